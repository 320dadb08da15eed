"""moto_server with seven performance fixes and one of KMS Sign, for the sandbox and the tests.

moto 5.2's DynamoDB TransactWriteItems snapshots every table it writes for its rollback
(copy.deepcopy of the whole table, its stream's records included, once per item of the
transaction), so a transaction's cost grows with everything the table ever held: the
aggregator's 99-item batches cost seconds once a table holds a few thousand items, and
under sustained load every transaction got slower as the run went on (42 ms at the start
of a 1,000-request load run, 207 ms at its end). This keeps an undo log instead: before the
transaction, a copy of each item it names (as it was, or absent) and the length of each
table's stream; a cancelled or refused transaction puts those items back and drops the
stream records it added, which is what restoring the whole table did. A transaction that
fails in any other way is undone too: DynamoDB applies a transaction whole or not at all.
A stream read waits for a transaction in progress, so that it never hands out a record
the transaction then takes back (a reader would move past it, and past the record that
later takes its sequence number).

moto's JSON response serializer walks every DynamoDB AttributeValue member by member
through its shape model (about 3 ms per stream record with two images): reading a stream
cost more emulator time than the writes that filled it. Attribute values that are already
in wire form (strings, numbers, booleans, null, string and number sets, lists and maps of
those) are written as they are, which is what the serializer produces for them; binary
values and anything unexpected still go through it.

moto answers a Query of a table (not of an index) by listing and sorting every item of the
table, then keeping those of the asked partition: each Query cost more the larger the table
(114-467 ms a call late in a 3,000-request load run, where a few milliseconds do the
work). Within a Query of a table, that listing is the partition's items alone, sorted by
key as before; the rest of moto's Query (ranges, filters, pages, limits) runs unchanged.

Two things moto works out again on every request are kept once: the list of its service
packages (a directory listing and a stat per package, twice a request), which cannot change
while it runs; and the parse of an UpdateExpression, by its text: moto only reads the parsed
expression (its validator works on a copy of it), and an expression that does not parse is
not kept, so it fails again each time.

moto's SQS worked out a queue's attributes, its three message counts among them (each a
walk of the whole queue reading the clock twice a message), for every message it sent
(to read ContentBasedDeduplication) and three times for every message it received (to read
MessageRetentionPeriod); a delete or visibility change walked the queue for the message
that had the receipt handle; and each receive handle was 185 separate random draws. So every
call cost more the longer the queue: with a thousand messages waiting, a receive of ten
took 1.9 s and a send of ten 0.6 s. Now a send works out no counts (nothing in it reads
them), a receive reads the retention period itself, a receipt handle finds its message in
an index of every handle given out, the counts and the list of visible messages read the
clock once a walk, and a handle is drawn in one call: with 5,000 waiting, a send of ten
takes 5 ms and a receive of ten 6 ms (a receive still walks the queue once, for its visible
messages, at a comparison a message).
What SQS answers (handles old and new, visibility, counts, redrive, FIFO groups,
deduplication) is unchanged.

werkzeug wrote a line to stderr for every request, under one lock and, stderr being a pipe
the sandbox reads, at the pace the sandbox's busy event loop emptied it: a sampled 2,000-
request load run found request threads in that logging 46% of the time (waiting for its
lock 15%). Only warnings and errors are written now.

moto's KMS Sign read MessageType and ignored it: a DIGEST was hashed again and signed, so
the signature matched no message. For ECDSA keys a DIGEST is now signed as it is
(prehashed; one not of the algorithm's digest length is refused, as KMS refuses it), which
is what the report builder sends; RAW messages sign as before.

Nothing else changes. Without moto (or with a moto whose code differs), it runs
moto_server's own entry point unchanged.
"""

import copy
import logging
import sys
import threading

from moto.server import main

try:
    import moto.dynamodb.models as dynamodb_models
    from moto.dynamodb.models.dynamo_type import DynamoType

    _state = threading.local()

    class _NoTableSnapshots:
        """`copy` for moto's DynamoDB models: within a transaction, a table is not copied."""

        def __getattr__(self, name):
            return getattr(copy, name)

        @staticmethod
        def deepcopy(value, memo=None):
            # moto's own rollback then puts back the very table it took: a no-op; the undo
            # log below restores what the transaction changed.
            if getattr(_state, "undoing", False) and isinstance(value, dynamodb_models.Table):
                return value
            return copy.deepcopy(value, memo)

    def _undo_log(backend, transact_items):
        """What each item a transaction writes is now, and each table's stream length."""
        items = []
        streams = {}
        for transact_item in transact_items:
            for operation, request in transact_item.items():
                if operation == "ConditionCheck":
                    continue
                try:
                    table = backend.tables[request["TableName"]]
                    key = request["Item"] if operation == "Put" else request["Key"]
                    hash_key = DynamoType(key[table.hash_key_attr])
                    range_key = None
                    if table.range_key_attr is not None:
                        range_key = DynamoType(key[table.range_key_attr])
                except Exception:  # no such table, a malformed key: moto refuses it unwritten
                    continue
                found = table.items.get(hash_key)
                if range_key is not None:
                    found = found.get(range_key) if found is not None else None
                items.append((table, hash_key, range_key, copy.deepcopy(found)))
                if table.stream_shard is not None and id(table) not in streams:
                    streams[id(table)] = (table.stream_shard, len(table.stream_shard.items))
        return items, list(streams.values())

    def _undo(items, streams):
        # Latest first: an item named twice (which moto refuses) ends as it was first.
        for table, hash_key, range_key, before in reversed(items):
            if range_key is None:
                if before is None:
                    table.items.pop(hash_key, None)
                else:
                    table.items[hash_key] = before
            elif before is None:
                table.items.get(hash_key, {}).pop(range_key, None)
            else:
                table.items[hash_key][range_key] = before
        for shard, length in streams:
            del shard.items[length:]

    # moto answers requests on several threads: a stream read waits for a transaction in
    # progress, so that it never hands out records the transaction then takes back.
    _transaction_lock = threading.Lock()

    _transact_write_items = dynamodb_models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        with _transaction_lock:
            items, streams = _undo_log(self, transact_items)
            _state.undoing = True
            try:
                return _transact_write_items(self, transact_items)
            except BaseException:
                _undo(items, streams)
                raise
            finally:
                _state.undoing = False

    from moto.dynamodbstreams import models as streams_models

    _get_records = streams_models.DynamoDBStreamsBackend.get_records

    def get_records(self, iterator_arn, limit):
        with _transaction_lock:
            return _get_records(self, iterator_arn, limit)

    if getattr(dynamodb_models, "copy", None) is copy:
        dynamodb_models.copy = _NoTableSnapshots()
        dynamodb_models.DynamoDBBackend.transact_write_items = transact_write_items
        streams_models.DynamoDBStreamsBackend.get_records = get_records
except (ImportError, AttributeError):  # another moto: run it as it is
    pass

try:
    from moto.dynamodb.models.table import Table as _Table

    _partition = threading.local()
    _all_items = _Table.all_items

    def all_items(self):
        """The table's items sorted by key; within a Query of the table, its partition's."""
        hint = getattr(_partition, "of", None)
        if hint is None or hint[0] is not self:
            return _all_items(self)
        found = self.items.get(hint[1])
        if found is None:
            return []
        if self.range_key_attr is None:
            return [found]
        return sorted(found.values(), key=lambda item: item.range_key)

    _query = _Table.query

    def query(self, *args, **kwargs):
        hash_key = args[0] if args else kwargs.get("hash_key")
        index_name = args[7] if len(args) > 7 else kwargs.get("index_name")
        if index_name is not None or hash_key is None:
            return _query(self, *args, **kwargs)
        _partition.of = (self, hash_key)
        try:
            return _query(self, *args, **kwargs)
        finally:
            _partition.of = None

    _Table.all_items = all_items
    _Table.query = query
except (ImportError, AttributeError):  # another moto: as it is
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

try:
    import string
    import weakref

    from moto.core.utils import unix_time, unix_time_millis
    from moto.sqs import models as sqs_models
    from moto.sqs.exceptions import InvalidParameterValue, ReceiptHandleIsInvalid

    _Queue = sqs_models.Queue
    _Message = sqs_models.Message
    _sending = threading.local()

    # A message by every receipt handle it was ever given (moto accepts old ones too); a
    # message no queue holds any longer drops out of it.
    _by_receipt_handle = weakref.WeakValueDictionary()

    _mark_received = _Message.mark_received

    def mark_received(self, visibility_timeout=None):
        _mark_received(self, visibility_timeout)
        _by_receipt_handle[self.receipt_handle] = self

    def _holding(queue, receipt_handle):
        """The message of `queue` that had this receipt handle, or None."""
        message = _by_receipt_handle.get(receipt_handle)
        # `in` on a list of messages compares identities (moto's messages define no __eq__).
        if message is None or message not in queue._messages:
            return None
        return message

    def generate_receipt_handle():
        """185 lowercase letters, as moto's, drawn in one call rather than 185."""
        return "".join(sqs_models.random.choices(string.ascii_lowercase, k=185))

    def messages(self):
        """The visible, undelayed messages, in order: one reading of the clock for all."""
        now = unix_time_millis()
        return [m for m in self._messages if now > m.visible_at and now >= m.delayed_until]

    def _counted(condition):
        def count(self):
            if getattr(_sending, "active", False):
                return 0  # a send reads the attributes for ContentBasedDeduplication alone
            now = unix_time_millis()
            return sum(1 for m in self._messages if condition(m, now))

        return property(count)

    def delete_message(self, receipt_handle):
        if receipt_handle in self.deleted_messages:
            return  # deleted already: moto answers a second delete as the first
        message = _holding(self, receipt_handle)
        if message is None:
            raise ReceiptHandleIsInvalid()
        self.pending_messages.discard(message)
        self.deleted_messages.update(message.all_receipt_handles)
        # In place (one step under the GIL): a send appending meanwhile is kept.
        self._messages.remove(message)

    _send_message = sqs_models.SQSBackend.send_message

    def send_message(self, *args, **kwargs):
        _sending.active = True
        try:
            return _send_message(self, *args, **kwargs)
        finally:
            _sending.active = False

    def change_message_visibility(self, queue_name, receipt_handle, visibility_timeout):
        queue = self.get_queue(queue_name)
        message = _holding(queue, receipt_handle)
        if message is None:
            raise ReceiptHandleIsInvalid
        if unix_time_millis() + int(visibility_timeout) * 1000 - message.sent_timestamp > 43200 * 1000:
            raise InvalidParameterValue(
                f"Value {visibility_timeout} for parameter VisibilityTimeout is invalid. Reason: Total "
                "VisibilityTimeout for the message is beyond the limit [43200 seconds]"
            )
        message.change_visibility(visibility_timeout)
        if message.visible and message in queue.pending_messages:
            queue.pending_messages.remove(message)

    def is_message_valid_based_on_retention_period(self, queue_name, message):
        retention_seconds = int(self.get_queue(queue_name).message_retention_period)
        return retention_seconds + message.sent_timestamp / 1000 > unix_time()

    if isinstance(getattr(_Queue, "messages", None), property) and hasattr(
        sqs_models.SQSBackend, "is_message_valid_based_on_retention_period"
    ):
        _Message.mark_received = mark_received
        sqs_models.generate_receipt_handle = generate_receipt_handle
        _Queue.messages = property(messages)
        _Queue.approximate_number_of_messages = _counted(
            lambda m, now: now > m.visible_at and now >= m.delayed_until
        )
        _Queue.approximate_number_of_messages_delayed = _counted(
            lambda m, now: now < m.delayed_until
        )
        _Queue.approximate_number_of_messages_not_visible = _counted(
            lambda m, now: not now > m.visible_at
        )
        _Queue.delete_message = delete_message
        sqs_models.SQSBackend.send_message = send_message
        sqs_models.SQSBackend.change_message_visibility = change_message_visibility
        sqs_models.SQSBackend.is_message_valid_based_on_retention_period = (
            is_message_valid_based_on_retention_period
        )
except (ImportError, AttributeError):  # another moto: as it is
    pass

try:
    from cryptography.hazmat.primitives.asymmetric import ec as _ec
    from cryptography.hazmat.primitives.asymmetric import utils as _asymmetric_utils
    from moto.kms import responses as kms_responses
    from moto.kms import utils as kms_utils

    _signing = threading.local()
    _kms_sign = kms_responses.KmsResponse.sign
    _ecdsa_sign = kms_utils.ECDSAPrivateKey.sign

    def kms_sign(self):
        _signing.digest = self._get_param("MessageType") == "DIGEST"
        try:
            return _kms_sign(self)
        finally:
            _signing.digest = False

    def ecdsa_sign(self, message, signing_algorithm):
        if not getattr(_signing, "digest", False):
            return _ecdsa_sign(self, message, signing_algorithm)
        kms_utils.validate_signing_algorithm(signing_algorithm, self.valid_signing_algorithms)
        hash_algorithm = self._ECDSAPrivateKey__hash_algorithm(signing_algorithm)
        if len(message) != hash_algorithm.digest_size:
            raise kms_responses.ValidationException(
                f"Digest is invalid length for algorithm {signing_algorithm}."
            )
        # The message is the digest already: signed as it is, not hashed again.
        return self.private_key.sign(
            message, _ec.ECDSA(_asymmetric_utils.Prehashed(hash_algorithm))
        )

    if hasattr(kms_utils.ECDSAPrivateKey, "_ECDSAPrivateKey__hash_algorithm"):
        kms_responses.KmsResponse.sign = kms_sign
        kms_utils.ECDSAPrivateKey.sign = ecdsa_sign
except (ImportError, AttributeError):  # another moto: its own Sign
    pass

# werkzeug writes a line to stderr for every request, under one lock and, where stderr is a
# pipe, at the pace its reader empties it: a reader that falls behind held every answer.
# Warnings and errors (a request's traceback) are still written.
logging.getLogger("werkzeug").setLevel(logging.WARNING)

if __name__ == "__main__":
    sys.exit(main())
