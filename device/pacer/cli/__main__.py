"""``python -m pacer.cli``: the ``pacer`` command without installing it."""

from pacer.cli import main

raise SystemExit(main())
