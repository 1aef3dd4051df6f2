"""The former name of :mod:`flowdsl.codec`, which earlier documentation named; use that."""

from flowdsl.codec import TAG, CodecError, ModelCodec, make_converter

__all__ = ["CodecError", "ModelCodec", "make_converter", "TAG"]
