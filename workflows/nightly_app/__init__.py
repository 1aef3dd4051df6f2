"""The nightly example's application code: the Batch job script (``job/nightly_report.py``, at
``/opt/app/job/nightly_report.py`` in the container). The success and error handlers are the
platform's, shared with the fibonacci job (``fibonacci_app/handlers.py``)."""
