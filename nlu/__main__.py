import sys

from nlu.cli import main

sys.exit(main(sys.argv[1:]))
