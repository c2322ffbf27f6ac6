/**
 * The status page: server-rendered HTML and CSS on the control API's loopback port, no JavaScript.
 * A browser gets in only through a one-time login URL ({@code wormholes web}), which sets a session
 * cookie; forms carry a per-session CSRF token. Everything the page shows comes from the control
 * API's own JSON answers, and every string in it is escaped.
 */
package dev.wormholes.node.web;
