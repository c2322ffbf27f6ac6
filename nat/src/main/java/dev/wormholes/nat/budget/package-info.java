/**
 * Budgets for what unproven sources may cost, sans-I/O: {@link
 * dev.wormholes.nat.budget.SourceBudget} (a {@link dev.wormholes.proto.engine.TokenBucket} per
 * source IP and per network prefix in fixed tables, checked before any parsing or signature
 * check). Time arrives as monotonic milliseconds, the hash key is handed in.
 */
package dev.wormholes.nat.budget;
