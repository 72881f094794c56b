"""`cnnlab init COURSE`: a course folder to start from, made from the bundled course that ships in the wheel.

The bundled course is assignments/ of the repository: two problem sets, the midterm, the final, their templates
and an example roster. A wheel carries it as the package `generator.course` (setup.py maps that package onto assignments/, so the
shipped files are the tested ones); a checkout reads assignments/ itself. The course gets a new 256-bit secret,
written 0600, and a README of the next commands.
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

from generator.files import PRIVATE, PUBLIC, folder_mode, make_folder, write_text_atomic

SPECS = ("cnn-problem-set.yaml", "cnn-exam.yaml", "cnn-problem-set-2.yaml", "cnn-final.yaml")
ROSTER = "roster.csv"
SECRET = "course.secret"
SECRET_BYTES = 32  # 256 bits, written as 64 hex digits


def bundled_course() -> Path:
    """The folder of the bundled course: generator/course/ in an installed wheel, assignments/ in a checkout."""
    installed = Path(__file__).resolve().parent / "course"
    if (installed / SPECS[0]).is_file():
        return installed
    checkout = Path(__file__).resolve().parents[1] / "assignments"
    if (checkout / SPECS[0]).is_file():
        return checkout
    raise OSError(f"the bundled course is missing (neither {installed} nor {checkout}); reinstall cnnlab")


def readme(course: Path) -> str:
    """The next commands, run from inside the course folder."""
    ps, exam, ps2, final = SPECS
    return f"""# {course.name}: a cnnlab course

Made by `cnnlab init`. `{SECRET}` decides every student's numbers: keep it private, keep it for the whole course
(a new secret gives every student new numbers), and never commit it. Replace `{ROSTER}` with your class
(`student_id,name,email`). Run these from this folder:

    cnnlab validate {ps}
    cnnlab preview {ps}
    cnnlab generate {ps} --roster {ROSTER} --secret-file {SECRET} --out out/ps1
    #   hand out out/ps1/students/; keep out/ps1/key/ private
    cnnlab grade submissions/ --key out/ps1/key --roster {ROSTER} --out out/ps1-graded
    cnnlab report out/ps1-graded
    cnnlab export gradescope --key out/ps1/key --spec {ps} --roster {ROSTER} --out out/autograder.zip
    cnnlab export moodle {ps} --secret-file {SECRET} --out out/ps1-moodle.xml
    pip install 'cnnlab[exam]'   # printable exams need typst and pandoc
    cnnlab exam {exam} --roster {ROSTER} --secret-file {SECRET} --out out/midterm --forms 2

The second problem set ({ps2}: batch norm, dropout, cost, modern layers, residual blocks, backward passes) and
the final exam ({final}, drawing from both) run the same way.

Templates are in `templates/`; a spec lists the questions of one assignment or exam.
"""


def init_course(course: Path) -> list[Path]:
    """Make COURSE from the bundled course, with a new secret; refuses a folder that exists and is not empty."""
    if course.exists() and (not course.is_dir() or any(course.iterdir())):
        raise OSError(f"{course}: already exists and is not an empty folder; choose a new course folder")
    source = bundled_course()
    make_folder(course, folder_mode(PUBLIC))
    written = []
    for name in (*SPECS, ROSTER):
        written.append(Path(shutil.copyfile(source / name, course / name)))
    make_folder(course / "templates", folder_mode(PUBLIC))
    for template in sorted((source / "templates").glob("*.yaml")):
        written.append(Path(shutil.copyfile(template, course / "templates" / template.name)))
    write_text_atomic(course / SECRET, secrets.token_hex(SECRET_BYTES) + "\n", mode=PRIVATE)
    write_text_atomic(course / "README.md", readme(course), mode=PUBLIC)
    return [*written, course / SECRET, course / "README.md"]
