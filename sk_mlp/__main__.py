"""``python -m sk_mlp`` runs the ``sk-mlp`` command."""

from .comparison._cli import console_main

if __name__ == "__main__":
    console_main()
