"""moto_server with four performance fixes, for the sandbox and the tests.

moto 5.2's DynamoDB TransactWriteItems snapshots a table for its rollback once per item of
the transaction (copy.deepcopy in the loop over the items), so a transaction of n items on
a table of m items copies n x m items: the aggregator's 99-item batches cost seconds once
a table holds a few thousand items. This keeps one snapshot per table per transaction,
which is what the rollback restores.

moto's JSON response serializer walks every DynamoDB AttributeValue member by member
through its shape model (about 3 ms per stream record with two images): reading a stream
cost more emulator time than the writes that filled it. Attribute values that are already
in wire form (strings, numbers, booleans, null, string and number sets, lists and maps of
those) are written as they are, which is what the serializer produces for them; binary
values and anything unexpected still go through it.

Two things moto works out again on every request are kept once: the list of its service
packages (a directory listing and a stat per package, twice a request), which cannot change
while it runs; and the parse of an UpdateExpression, by its text: moto only reads the parsed
expression (its validator works on a copy of it), and an expression that does not parse is
not kept, so it fails again each time.

Nothing else changes. Without moto (or with a moto whose code differs), it runs
moto_server's own entry point unchanged.
"""

import copy
import sys
import threading

from moto.server import main

try:
    import moto.dynamodb.models as dynamodb_models

    _state = threading.local()

    class _OneSnapshotPerTable:
        """`copy` for moto's DynamoDB models: tables are copied once per transaction."""

        def __getattr__(self, name):
            return getattr(copy, name)

        @staticmethod
        def deepcopy(value, memo=None):
            snapshots = getattr(_state, "snapshots", None)
            if snapshots is None or not isinstance(value, dynamodb_models.Table):
                return copy.deepcopy(value, memo)
            if id(value) not in snapshots:
                snapshots[id(value)] = copy.deepcopy(value, memo)
            return snapshots[id(value)]

    _transact_write_items = dynamodb_models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        _state.snapshots = {}
        try:
            return _transact_write_items(self, transact_items)
        finally:
            _state.snapshots = None

    if getattr(dynamodb_models, "copy", None) is copy:
        dynamodb_models.copy = _OneSnapshotPerTable()
        dynamodb_models.DynamoDBBackend.transact_write_items = transact_write_items
except (ImportError, AttributeError):  # another moto: run it as it is
    pass

try:
    from moto.core import serialize as _serialize

    _WIRE_SCALARS = frozenset(("S", "N", "BOOL", "NULL", "SS", "NS"))

    class _NotPlain(Exception):
        pass

    def _plain_attribute_value(value):
        """A DynamoDB AttributeValue as moto's JSON serializer writes it, or _NotPlain."""
        if type(value) is not dict or len(value) != 1:
            raise _NotPlain
        ((kind, inner),) = value.items()
        if inner is None:
            raise _NotPlain
        if kind in _WIRE_SCALARS:
            return {kind: inner}
        if kind == "L" and type(inner) is list:
            return {"L": [_plain_attribute_value(item) for item in inner]}
        if kind == "M" and type(inner) is dict:
            return {"M": {name: _plain_attribute_value(item) for name, item in inner.items()}}
        raise _NotPlain  # binary, or anything unexpected: moto's own serializer

    _serialize_structure = _serialize.BaseJSONSerializer._serialize_type_structure

    def _serialize_type_structure(self, serialized, value, shape, key):
        if key and shape.name == "AttributeValue":
            try:
                self._default_serialize(serialized, _plain_attribute_value(value), shape, key)
                return
            except _NotPlain:
                pass
        _serialize_structure(self, serialized, value, shape, key)

    _serialize.BaseJSONSerializer._serialize_type_structure = _serialize_type_structure
except (ImportError, AttributeError):  # another moto: its own serializer
    pass

try:
    import functools

    from moto import backends as _backends
    from moto.dynamodb.parsing import expressions as _expressions

    _service_packages = tuple(_backends.list_of_moto_modules())
    _backends.list_of_moto_modules = lambda: _service_packages

    _parse_update_expression = _expressions.UpdateExpressionParser.make
    _parsed_update_expression = functools.lru_cache(maxsize=1024)(_parse_update_expression)
    _expressions.UpdateExpressionParser.make = staticmethod(_parsed_update_expression)
except (ImportError, AttributeError):  # another moto: as it is
    pass

if __name__ == "__main__":
    sys.exit(main())
