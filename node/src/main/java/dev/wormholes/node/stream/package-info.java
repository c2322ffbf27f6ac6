/**
 * Secure streams between nodes: QUIC with TLS 1.3 mutual authentication by identity
 * certificates, on the node's one UDP socket (shared with control datagrams), and named services.
 *
 * <p>Entry point: {@link dev.wormholes.node.stream.StreamTransport}. Certificates:
 * {@link dev.wormholes.node.stream.IdentityCertificates}. Socket sharing:
 * {@link dev.wormholes.node.stream.QuicDemultiplexer}. Stream opening protocol:
 * {@link dev.wormholes.node.stream.ServiceHeader}. Forwarding to local TCP ports:
 * {@link dev.wormholes.node.stream.LocalPortService} and {@link dev.wormholes.node.stream.Relay}.
 */
package dev.wormholes.node.stream;
