"""Data flow through a state: how its input becomes what it works on, and its result its output.

JSONPath states: ``InputPath``, the ``Parameters`` template (``key.$`` paths, context paths,
variables and intrinsic functions), ``ResultSelector``, ``ResultPath`` and ``OutputPath``.
JSONata states: ``{% %}`` expressions in ``Arguments``, ``Output`` and any other field, with
``$states`` and the variables bound. Both: ``Assign``.

Nothing here records history or moves between states; the engine, the Map state and the
catchers call these functions with a state's data.
"""

from __future__ import annotations

import json
import random
from typing import Any, Mapping

from flowdsl.lang import jsonata as jsonata_lang
from flowdsl.vocabulary import JSONATA

from . import intrinsics, jsonata_support as jn
from .errors import RunError, StatesError
from .jsonpath import PathError, PathSyntaxError, compile_path, evaluate_compiled, set_path

MAX_PAYLOAD_BYTES = 256 * 1024  # AWS quota on state input/output size

# Compact JSON, as Step Functions serialises payloads in history events and size checks.
dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class Scope:
    """Variables visible to a state machine (or a Parallel branch / Map iteration, which see a copy)."""

    __slots__ = ("vars",)

    def __init__(self, variables: dict[str, Any]) -> None:
        self.vars = variables


class DataFlow:
    """The evaluator of paths, templates and expressions for one execution (its random source
    feeds ``States.UUID``, ``States.MathRandom`` and JSONata's ``$random``)."""

    __slots__ = ("rng", "_functions")

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._functions: dict[str, Any] | None = None  # made on the first JSONata evaluation

    # ------------------------------------------------------------------ JSONPath

    def resolve(self, path: str, data: Any, ctx: Mapping[str, Any], scope: Scope, field_name: str,
                state: str) -> Any:
        try:
            tree = compile_path(path)
            if tree.root == "$$":
                doc = ctx
            elif tree.root == "var":
                # "$name..." is a variable reference (AWS "Passing data between states with variables").
                if tree.variable not in scope.vars:
                    raise StatesError("States.Runtime", f"An error occurred while executing the state '{state}'. "
                                      f"The variable '${tree.variable}' referenced by the field '{field_name}' is not defined.")
                doc = scope.vars[tree.variable]
            else:
                doc = data
            return evaluate_compiled(tree, doc)
        except PathError:
            shown = path if tree.root == "$$" else tree.bracket_form()
            raise StatesError(
                "States.Runtime",
                f"An error occurred while executing the state '{state}'. Invalid path '{path}' : "
                f"No results for path: {shown}",
            ) from None
        except PathSyntaxError as exc:
            raise RunError(f"state {state!r}: invalid path {path!r} in {field_name}: {exc}") from None

    def value_expr(self, expr: Any, data: Any, ctx: Mapping[str, Any], scope: Scope, field_name: str,
                   state: str) -> Any:
        """Evaluate the value of a ``key.$`` field: a path, a context path, or an intrinsic call."""
        if not isinstance(expr, str):
            raise RunError(f"state {state!r}: value of {field_name} must be a string path, got {expr!r}")
        if intrinsics.is_intrinsic(expr):
            return intrinsics.evaluate(
                expr, lambda p: self.resolve(p, data, ctx, scope, field_name, state), self.rng)
        if expr.startswith("$"):
            return self.resolve(expr, data, ctx, scope, field_name, state)
        raise RunError(f"state {state!r}: {field_name} must hold a path or intrinsic function, got {expr!r}")

    def template(self, tpl: Any, data: Any, ctx: Mapping[str, Any], scope: Scope, field_name: str,
                 state: str) -> Any:
        if isinstance(tpl, dict):
            out: dict[str, Any] = {}
            for k, v in tpl.items():
                if k.endswith(".$"):
                    out[k[:-2]] = self.value_expr(v, data, ctx, scope, f"{field_name}/{k}", state)
                else:
                    out[k] = self.template(v, data, ctx, scope, field_name, state)
            return out
        if isinstance(tpl, list):
            return [self.template(v, data, ctx, scope, field_name, state) for v in tpl]
        return tpl

    def path_field(self, st: Mapping[str, Any], key: str, data: Any, ctx: Mapping[str, Any], scope: Scope,
                   state: str) -> Any:
        """InputPath / OutputPath: absent means '$', null means {} (AWS "InputPath, Parameters and ResultSelector")."""
        if key not in st:
            return data
        path = st[key]
        if path is None:
            return {}
        return self.resolve(path, data, ctx, scope, key, state)

    def apply_result_path(self, st: Mapping[str, Any], raw_input: Any, result: Any, state: str) -> Any:
        if "ResultPath" not in st:
            return result
        rp = st["ResultPath"]
        if rp is None:
            return raw_input
        try:
            return set_path(raw_input, rp, result)
        except PathError:
            raise StatesError(
                "States.ResultPathMatchFailure",
                f"An error occurred while executing the state '{state}'. Unable to apply ResultPath '{rp}' "
                f"to input {dumps(raw_input)}",
            ) from None
        except PathSyntaxError as exc:
            raise RunError(f"state {state!r}: invalid ResultPath {rp!r}: {exc}") from None

    # ------------------------------------------------------------------ JSONata

    def jsonata_bindings(self, states_var: dict[str, Any], scope: Scope) -> dict[str, Any]:
        if self._functions is None:
            self._functions = jn.make_function_bindings(self.rng)
        b = dict(scope.vars)
        b.update(self._functions)
        b["states"] = states_var
        return b

    def ja_value(self, tpl: Any, bindings: dict[str, Any], field_name: str, state: str) -> Any:
        """Evaluate every ``{% expr %}`` string inside ``tpl`` (objects and arrays are walked)."""
        if isinstance(tpl, str):
            if jn.is_expression(tpl):
                body = jn.expression_body(tpl)
                if not body:
                    raise RunError(f"state {state!r}: {field_name} holds no expression between '{{%' and '%}}'")
                try:
                    return jn.evaluate(body, bindings, field_name)
                except jn.Undefined:
                    raise StatesError(
                        "States.QueryEvaluationError",
                        f"An error occurred while executing the state '{state}'. The JSONata expression "
                        f"'{body}' specified for the field '{field_name}' returned nothing (undefined).",
                    ) from None
            if jsonata_lang.is_candidate(tpl):
                raise RunError(f"state {state!r}: {field_name}: {tpl!r} is not a JSONata expression: "
                               "write it as '{% expression %}'")
            return tpl
        if isinstance(tpl, dict):
            return {k: self.ja_value(v, bindings, f"{field_name}/{k}", state) for k, v in tpl.items()}
        if isinstance(tpl, list):
            return [self.ja_value(v, bindings, field_name, state) for v in tpl]
        return tpl

    # ------------------------------------------------------------------ the steps of a state

    def assign(self, state: str, holder: Mapping[str, Any], ql: str, data: Any, ctx: Mapping[str, Any],
               scope: Scope, bindings: dict[str, Any] | None) -> dict[str, Any] | None:
        """The variables ``holder``'s ``Assign`` sets (a state, a Choice rule or a catcher), or
        None when it has no ``Assign``."""
        if "Assign" not in holder:
            return None
        assign = holder["Assign"]
        if not isinstance(assign, dict):
            raise RunError(f"state {state!r}: Assign must be an object")
        if ql == JSONATA:
            assert bindings is not None
            return {k: self.ja_value(v, bindings, f"Assign/{k}", state) for k, v in assign.items()}
        return self.template(assign, data, ctx, scope, "Assign", state)

    def arguments(self, name: str, st: Mapping[str, Any], raw: Any, scope: Scope, ql: str,
                  ctx: dict[str, Any]) -> tuple[Any, Any, dict[str, Any] | None]:
        """What a Task or Parallel state works on, as ``(payload, effective input, JSONata
        bindings)``: ``Arguments`` (JSONata), or ``InputPath`` then ``Parameters`` (JSONPath)."""
        if ql == JSONATA:
            b = self.jsonata_bindings({"input": raw, "context": ctx}, scope)
            return (self.ja_value(st["Arguments"], b, "Arguments", name) if "Arguments" in st else raw), raw, b
        effective = self.path_field(st, "InputPath", raw, ctx, scope, name)
        payload = self.template(st["Parameters"], effective, ctx, scope, "Parameters", name) \
            if "Parameters" in st else effective
        return payload, effective, None

    def result(self, name: str, st: Mapping[str, Any], raw: Any, result: Any, scope: Scope, ql: str,
               ctx: dict[str, Any]) -> tuple[Any, dict[str, Any] | None]:
        """A Task, Parallel or Map state's ``(output, assigned variables)`` from its result:
        ResultSelector → Assign → ResultPath → OutputPath (JSONPath), or Assign and Output (JSONata)."""
        if ql == JSONATA:
            b = self.jsonata_bindings({"input": raw, "context": ctx, "result": result}, scope)
            assigned = self.assign(name, st, ql, result, ctx, scope, b)
            return (self.ja_value(st["Output"], b, "Output", name) if "Output" in st else result), assigned
        if "ResultSelector" in st:
            result = self.template(st["ResultSelector"], result, ctx, scope, "ResultSelector", name)
        assigned = self.assign(name, st, ql, result, ctx, scope, None)
        out = self.apply_result_path(st, raw, result, name)
        return self.path_field(st, "OutputPath", out, ctx, scope, name), assigned
