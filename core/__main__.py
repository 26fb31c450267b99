"""Command line: python -m core probe|frames|analyze|submit|status|worker|retry|health|sli|restore."""
from core.cli import main

raise SystemExit(main())
