"""Build the Cython extensions: every ``codelength/**/<name>.pyx`` becomes the module ``codelength.<package>.<name>``.

Set CODELENGTH_BUILD_ONLY=_kernels,_huffman to compile only some modules (handy while developing one).
"""
import glob
import os

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

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
            extra_compile_args=["-O3"],
        )
    )

setup(ext_modules=cythonize(extensions, compiler_directives={"language_level": 3}))
