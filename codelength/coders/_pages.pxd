# Zeroed tables for the context models (the adaptive coder's counter tables, cm's hash tables and APMs).
#
# ``cl_pages_alloc(size)`` returns ``size`` zeroed bytes, 64-byte aligned; from 2 MiB up they are a fresh
# anonymous mapping aligned to 2 MiB and advised to use transparent huge pages: the tables are read at
# random (with 4 KiB pages nearly every access would also miss the TLB), and a fresh 16 MiB table costs
# 8 page faults instead of 4,096 (with 4 KiB pages the faults of one table per 1 MiB block cost the
# adaptive coder 17 ms of system time a block, and two threads faulting at once contend in the kernel).
# A mapping is zero-filled by the kernel, so nothing is cleared twice. Smaller tables come from calloc.
# ``cl_pages_free(p)`` releases either kind (the header before ``p`` says which); NULL is a no-op.
# POSIX mmap, or VirtualAlloc on Windows (whose committed pages are zero-filled on first touch too).
cdef extern from *:
    """
    #include <stdlib.h>
    #include <stdint.h>
    #if defined(_WIN32)
    #include <windows.h>
    /* Windows: committed pages of VirtualAlloc are zero-filled on first touch, like an anonymous mapping. */
    static void *cl_pages_map(size_t total) {
        return VirtualAlloc(NULL, total, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    }
    static void cl_pages_unmap(void *base, size_t total) { (void)total; VirtualFree(base, 0, MEM_RELEASE); }
    #else
    #include <sys/mman.h>
    static void *cl_pages_map(size_t total) {
        void *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? NULL : p;
    }
    static void cl_pages_unmap(void *base, size_t total) { munmap(base, total); }
    #endif
    typedef struct { void *base; size_t total; size_t mapped; } cl_pages_header;
    static void *cl_pages_alloc(size_t size) {
        const size_t huge = (size_t)1 << 21, room = 64;   /* room >= sizeof(cl_pages_header) */
        char *base;
        size_t total, mapped = size >= huge;
        uintptr_t a;
        if (!mapped) {
            total = size + 2 * room;
            if (total < size) return NULL;
            base = (char *)calloc(total, 1);
            if (base == NULL) return NULL;
            a = ((uintptr_t)base + room + room - 1) & ~(uintptr_t)(room - 1);
        } else {
            total = size + huge + room;
            if (total < size) return NULL;
            base = (char *)cl_pages_map(total);
            if (base == NULL) return NULL;
            a = ((uintptr_t)base + room + huge - 1) & ~(uintptr_t)(huge - 1);
    #ifdef MADV_HUGEPAGE
            madvise((void *)a, size, MADV_HUGEPAGE);
    #endif
        }
        cl_pages_header *h = (cl_pages_header *)(a - sizeof(cl_pages_header));
        h->base = base; h->total = total; h->mapped = mapped;
        return (void *)a;
    }
    static void cl_pages_free(void *p) {
        if (p == NULL) return;
        cl_pages_header *h = (cl_pages_header *)((uintptr_t)p - sizeof(cl_pages_header));
        if (h->mapped) cl_pages_unmap(h->base, h->total); else free(h->base);
    }
    """
    void* cl_pages_alloc(size_t size) noexcept nogil
    void cl_pages_free(void* p) noexcept nogil
