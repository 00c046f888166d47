/* gil_meter.c: how much of a thread's CPU time runs with the GIL released.
 *
 * Preloaded into CPython (LD_PRELOAD=gil_meter.so), it wraps PyEval_SaveThread and
 * PyEval_RestoreThread (what Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS and Cython's `with nogil`
 * call) and adds, per thread, the thread's CPU time (CLOCK_THREAD_CPUTIME_ID) between the two.
 * gil_meter_released_ns() returns the calling thread's total so far: CPU time spent outside the GIL.
 * The thread's CPU time minus that is the part spent holding the GIL, which bounds what more threads
 * can give (Amdahl). CPU time, not wall time: the figure does not depend on the machine's load.
 * Used by benchmarks/bench_streams.py (it compiles this file with `cc -O2 -shared -fPIC ... -ldl`).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <time.h>

typedef void *(*save_fn)(void);
typedef void (*restore_fn)(void *);

static save_fn real_save;
static restore_fn real_restore;
static __thread uint64_t released_ns;   /* this thread's CPU time with the GIL released */
static __thread uint64_t released_at;   /* its CPU clock at the last release (0: holding the GIL) */

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void *PyEval_SaveThread(void)
{
    if (!real_save)
        real_save = (save_fn)dlsym(RTLD_NEXT, "PyEval_SaveThread");
    void *state = real_save();
    released_at = thread_cpu_ns();
    return state;
}

void PyEval_RestoreThread(void *state)
{
    if (!real_restore)
        real_restore = (restore_fn)dlsym(RTLD_NEXT, "PyEval_RestoreThread");
    /* counted up to the request for the GIL: waiting for it costs no CPU time anyway */
    if (released_at) {
        released_ns += thread_cpu_ns() - released_at;
        released_at = 0;
    }
    real_restore(state);
}

uint64_t gil_meter_released_ns(void)
{
    return released_ns;
}
