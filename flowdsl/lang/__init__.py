"""The languages an ASL document embeds, one parser each; validation checks the trees they
produce and the local engine (``flowdsl.run``) evaluates the same trees.

- ``jsonpath``: paths and reference paths (``$.a[0]``, ``$$.Execution.Id``, ``$var.x``)
- ``intrinsics``: ``States.Format('{}', $.a)`` and the table of functions and their arguments
- ``jsonata``: ``{% expression %}`` strings
- ``timestamps``: the RFC 3339 profile of Wait and the Timestamp operators
- ``operators``: the Choice comparison operators and the kind of operand each takes

Who may import it: any module of flowdsl (the validator, the compilers, the engine, the
integrations). It imports only the leaves below it (``flowdsl.errors``, ``flowdsl.vocabulary``,
``flowdsl.strict_json``), so it never depends on the model or the engine that read its trees;
``tests/test_layers.py`` holds that.
"""
