/**
 * The NAT lab (test scope): {@link dev.wormholes.nat.lab.NatLab} builds real kernel NATs in
 * network namespaces with {@code nat/lab/natlab.sh}, {@link dev.wormholes.nat.lab.LabDriver} runs
 * the nat engines over real sockets inside them, and one test class per behaviour checks what
 * happens. Tests skip loudly without root or {@code ip netns}, and fail instead when {@code CI=true}.
 */
package dev.wormholes.nat.lab;
