"""The fibonacci example's application code, runnable on a laptop: the Batch job script
(``job/fibonacci.py``, at ``/opt/app/job/fibonacci.py`` in the container) and the success
and error handlers the state machine invokes (``handlers.py``)."""
