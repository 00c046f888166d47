"""Build the Cython extensions: every ``codelength/**/<name>.pyx`` becomes the module ``codelength.<package>.<name>``.

Set CODELENGTH_BUILD_ONLY=_kernels,_huffman to compile only some modules (handy while developing one).
Optimisation flags are chosen per compiler when the build runs (``/O2`` for MSVC, ``-O3`` for GCC and
Clang), so the same setup.py builds the wheels on Linux, macOS and Windows. Cython runs in build_ext
only: making the sdist (which ships the .pyx, not generated C) needs no Cython run.
"""
import glob
import os
import shutil
import tempfile

import numpy as np
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

#: extra compile arguments by distutils compiler type; any other compiler gets none (its defaults)
OPTIMIZE = {"msvc": ["/O2"], "unix": ["-O3"], "mingw32": ["-O3"], "cygwin": ["-O3"]}
#: modules that call zlib's deflate from C when zlib.h is there (else stand-ins, see stats/_zlib_shim.h)
USES_ZLIB = {"_records"}


def have_zlib(compiler) -> bool:
    """Whether a program including <zlib.h> and calling deflateReset compiles and links with -lz.

    CODELENGTH_NO_ZLIB=1 answers no (to build and test the fallback where zlib.h is absent)."""
    if os.environ.get("CODELENGTH_NO_ZLIB"):
        return False
    tmp = tempfile.mkdtemp(prefix="codelength-zlib-")
    try:
        source = os.path.join(tmp, "probe.c")
        with open(source, "w") as f:
            f.write("#include <zlib.h>\nint main(void) { z_stream s; return deflateReset(&s) == Z_OK; }\n")
        objects = compiler.compile([source], output_dir=tmp)
        compiler.link_executable(objects, "probe", output_dir=tmp, libraries=["z"])
        return True
    except Exception:   # CompileError, LinkError: no usable zlib
        return False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class BuildExt(build_ext):
    """build_ext that cythonizes the .pyx and adds the optimisation flags the compiler in use understands."""

    def build_extensions(self):
        # here, not at import or in finalize_options: sdist finalizes build_ext to list the sources and
        # would then ship the generated C instead of the .pyx
        from Cython.Build import cythonize
        generated = {e.name: e.sources for e in cythonize(self.extensions, compiler_directives={"language_level": 3})}
        for ext in self.extensions:     # keep the Extension objects build_ext has finalized
            ext.sources = generated[ext.name]
        flags = OPTIMIZE.get(self.compiler.compiler_type, [])
        zlib_found = None
        for ext in self.extensions:
            ext.extra_compile_args = list(ext.extra_compile_args or []) + flags
            if ext.name.rsplit(".", 1)[-1] in USES_ZLIB:
                if zlib_found is None:
                    zlib_found = have_zlib(self.compiler)
                    if not zlib_found:
                        print("codelength: no zlib.h found; record_stats will call Python's zlib module")
                if zlib_found:
                    ext.define_macros = list(ext.define_macros or []) + [("CODELENGTH_HAVE_ZLIB", "1")]
                    ext.libraries = list(ext.libraries or []) + ["z"]
        super().build_extensions()


only = {name for name in os.environ.get("CODELENGTH_BUILD_ONLY", "").split(",") if name}
extensions = []
for source in sorted(glob.glob(os.path.join("codelength", "**", "*.pyx"), recursive=True)):
    name = os.path.splitext(os.path.basename(source))[0]
    if only and name not in only:
        continue
    module = os.path.splitext(source)[0].replace(os.sep, ".")
    extensions.append(
        Extension(
            module,
            [source],
            include_dirs=[np.get_include()],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            # the per-record statistics call zlib's deflate from C when its headers are there
            # (zlib1g-dev / zlib-devel): BuildExt adds -lz and CODELENGTH_HAVE_ZLIB after probing
        )
    )

setup(ext_modules=extensions, cmdclass={"build_ext": BuildExt})
