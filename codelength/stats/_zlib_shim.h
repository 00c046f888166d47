/* zlib for stats/_records.pyx, or stand-ins where the build found no zlib.h.
 *
 * setup.py defines CODELENGTH_HAVE_ZLIB (and links -lz) when a test program including <zlib.h> and
 * calling deflateReset compiles and links. Without it, the declarations below let _records.pyx compile
 * unchanged: CODELENGTH_ZLIB is 0, every call fails, and the Python layer (stats/records.py) computes
 * zlib_bytes with the standard library's zlib module instead (the same numbers: len(zlib.compress(r, level))).
 */
#ifndef CODELENGTH_ZLIB_SHIM_H
#define CODELENGTH_ZLIB_SHIM_H

#ifdef CODELENGTH_HAVE_ZLIB
#include <zlib.h>
#define CODELENGTH_ZLIB 1
#else
#define CODELENGTH_ZLIB 0
#define Z_OK 0
#define Z_STREAM_END 1
#define Z_NO_FLUSH 0
#define Z_FINISH 4
#define Z_STREAM_ERROR (-2)
#define Z_BUF_ERROR (-5)
#define Z_DEFLATED 8
#define Z_DEFAULT_STRATEGY 0
typedef struct z_stream_s {
    unsigned char *next_in;
    unsigned int avail_in;
    unsigned char *next_out;
    unsigned int avail_out;
    unsigned long total_out;
} z_stream;
static int deflateInit2(z_stream *s, int level, int method, int wbits, int mem, int strategy) {
    (void)s; (void)level; (void)method; (void)wbits; (void)mem; (void)strategy;
    return Z_STREAM_ERROR;
}
static int deflateReset(z_stream *s) { (void)s; return Z_STREAM_ERROR; }
static int deflate(z_stream *s, int flush) { (void)s; (void)flush; return Z_STREAM_ERROR; }
static int deflateEnd(z_stream *s) { (void)s; return Z_STREAM_ERROR; }
static const char *zlibVersion(void) { return ""; }
#endif

#endif
