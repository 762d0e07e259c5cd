"""`lw.compare`: which suggester agrees with people, with intervals and ties.

The folder is ``comparison`` rather than ``compare`` so that importing one of its modules never shadows the
function ``lw.compare`` (Python sets a package's submodules as attributes of the package above them).
"""
