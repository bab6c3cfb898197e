"""``python -m mpu_qual`` runs the same CLI as the ``mpu-qual`` script."""

from mpu_qual.cli import main

if __name__ == "__main__":
    main()
