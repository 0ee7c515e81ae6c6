import sys

from tfcompress.cli import main

sys.exit(main())
