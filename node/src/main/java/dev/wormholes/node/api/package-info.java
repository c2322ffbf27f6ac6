/**
 * The control API (api contract "Control API"): HTTP/1.1 + JSON on loopback only, bearer token
 * from {@code DATA/api.token}. {@link dev.wormholes.node.api.ControlApi} is the Netty server,
 * {@link dev.wormholes.node.api.ApiHandler} routes and authenticates requests, {@link
 * dev.wormholes.node.api.ApiJson} turns records into the contract's JSON shapes.
 */
package dev.wormholes.node.api;
