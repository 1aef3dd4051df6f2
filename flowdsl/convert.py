"""Deprecated: the former name of :mod:`flowdsl.codec`; import from that module instead.

Importing this module warns (``DeprecationWarning``) and gives the same names as
:mod:`flowdsl.codec`. No module of flowdsl imports it; it stays for code written against the
old name and will be removed.
"""

import warnings

from flowdsl.codec import TAG, CodecError, ModelCodec, make_converter

warnings.warn("flowdsl.convert is deprecated; import from flowdsl.codec", DeprecationWarning, stacklevel=2)

__all__ = ["CodecError", "ModelCodec", "make_converter", "TAG"]
