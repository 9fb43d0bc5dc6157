"""python -m mujun"""

from .cli import main

main()
