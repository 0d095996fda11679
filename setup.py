"""pip install --no-build-isolation .  — builds cskpi._core and the cskpi command with CMake
(Debian's pybind11) and installs the cskpi package and the `cskpi` command into the running
interpreter (use /usr/bin/python3 or a venv made
from it with --system-site-packages)."""
import os
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        out = Path(self.get_ext_fullpath(ext.name)).resolve().parent
        build = Path(self.build_temp).resolve() / "cmake"
        build.mkdir(parents=True, exist_ok=True)
        subprocess.check_call([
            "cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
            "-DCSKPI_BUILD_PYTHON=ON", "-DCSKPI_BUILD_TESTS=OFF", "-DCSKPI_BUILD_EXAMPLES=OFF",
            "-DCSKPI_BUILD_BENCHMARKS=OFF", "-DCSKPI_BUILD_CLI=ON", f"-DPython_EXECUTABLE={sys.executable}"])
        # CSKPI_PREBUILT_DIR: a Release build tree of this source made with the Python module on
        # (scripts/build.sh); its _core and cskpi are installed instead of compiling them again.
        prebuilt = os.environ.get("CSKPI_PREBUILT_DIR")
        if prebuilt:
            build = Path(prebuilt).resolve()
        else:
            subprocess.check_call(["cmake", "--build", str(build), "--target", "_core", "cskpi_cli",
                                   "-j", os.environ.get("CSKPI_JOBS", "2")])
        out.mkdir(parents=True, exist_ok=True)
        built = next((build / "python" / "cskpi").glob("_core*.so"), None)
        if built is None or not (build / "cskpi").is_file():
            sys.exit(f"cskpi: no _core module or cskpi command in {build}")
        self.copy_file(str(built), self.get_ext_fullpath(ext.name))
        # The command line ships inside the package; the `cskpi` script (cskpi._cli) runs it.
        (out / "bin").mkdir(exist_ok=True)
        self.copy_file(str(build / "cskpi"), str(out / "bin" / "cskpi"))


setup(
    name="cskpi",
    version="0.1.0",
    description="Customer-service KPIs from interaction records",
    packages=["cskpi"],
    package_dir={"cskpi": "python/cskpi"},
    package_data={"cskpi": ["py.typed", "*.pyi"]},
    ext_modules=[Extension("cskpi._core", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.9",
    install_requires=["numpy", "pandas"],
    entry_points={"console_scripts": ["cskpi = cskpi._cli:main"]},
    zip_safe=False,
)
