"""``python -m segreform``: the same as the ``segreform`` command (works where scripts are not on PATH)."""

from segreform.cli import main

if __name__ == "__main__":
    main(prog_name="segreform")
