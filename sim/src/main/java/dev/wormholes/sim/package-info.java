/** Placeholder until the module has code. */
package dev.wormholes.sim;
