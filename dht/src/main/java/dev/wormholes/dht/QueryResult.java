package dev.wormholes.dht;

import dev.wormholes.proto.wire.StoredValue;
import java.util.List;

/** The outcome of a query, delivered in {@link DhtEvent.QueryFinished}. */
public sealed interface QueryResult {
  /** Return what the query cost. */
  QueryStats stats();

  /** findNode and bootstrap: the closest responding contacts, closest first. */
  record Nodes(List<Contact> closest, QueryStats stats) implements QueryResult {}

  /** get: the best (highest seq) verified value found. */
  record Found(StoredValue value, QueryStats stats) implements QueryResult {}

  /** get: no verified value; the closest responding contacts to the key. */
  record NotFound(List<Contact> closest, QueryStats stats) implements QueryResult {}

  /** put and publish: how many of the closest acknowledged; {@code acks == 0} means failure. */
  record Stored(int acks, List<Contact> closest, QueryStats stats) implements QueryResult {}
}
