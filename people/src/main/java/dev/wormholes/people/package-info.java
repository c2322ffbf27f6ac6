/**
 * People, not keys: a persona's key log (KERI-style pre-rotation) and what holds and signs it.
 *
 * <ul>
 *   <li>{@link dev.wormholes.people.KeyLog}: a log verified from its inception; {@link
 *       dev.wormholes.people.KeyState} what it says now; {@link dev.wormholes.people.LogFailure}
 *       why one was refused.
 *   <li>{@link dev.wormholes.people.Events}: build and sign events.
 *   <li>{@link dev.wormholes.people.LogHolder}: keep the highest valid log, keep duplicity as
 *       evidence.
 *   <li>{@link dev.wormholes.people.ContactBook}, {@link dev.wormholes.people.Contact}, {@link
 *       dev.wormholes.people.Tofu}: contacts with petnames and pinned logs, trust on first use.
 *   <li>{@link dev.wormholes.people.Invite}, {@link dev.wormholes.people.Invites}, {@link
 *       dev.wormholes.people.InviteHandshake}: one-time link invites and their handshake.
 *   <li>{@link dev.wormholes.people.SignedText}, {@link dev.wormholes.people.Armor}: messages
 *       signed by a persona, ASCII-armoured.
 * </ul>
 *
 * <p>Pure code: nothing here reads a clock, draws its own randomness, starts threads or opens
 * sockets (enforced by {@code sim/.../EnginePurityTest}); keys and time are handed in.
 */
package dev.wormholes.people;
