"""``python -m pacer.cli``: the same as the ``pacer`` console command."""

from pacer.cli import main

raise SystemExit(main())
