"""`python -m authdoctor` runs the same CLI as the `authdoctor` console script."""

from authdoctor.cli import main

if __name__ == "__main__":
    main()
