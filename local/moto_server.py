"""moto_server with one performance fix, for the sandbox and the tests.

moto 5.2's DynamoDB TransactWriteItems snapshots a table for its rollback once per item of
the transaction (copy.deepcopy in the loop over the items), so a transaction of n items on
a table of m items copies n x m items: the aggregator's 99-item batches cost seconds once
a table holds a few thousand items. This keeps one snapshot per table per transaction,
which is what the rollback restores; nothing else changes. Without moto (or with a moto
whose code differs), it runs moto_server's own entry point unchanged.
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

if __name__ == "__main__":
    sys.exit(main())
