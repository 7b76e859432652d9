/* probe observe and probe lookup: testing machines that cannot run probe (docs/observe.md). */
#ifndef SP_PROBE_OBSERVE_H
#define SP_PROBE_OBSERVE_H

/* `probe observe ...`: argv[0] is "observe". Serves the zone with fakens on the given
 * addresses, captures on the interface with sniff, prints verdicts per client as they form
 * and a report when stopped (SIGINT, SIGTERM or --duration). Returns the exit status: 0 no
 * client raced, 1 one did, 2 error or no lookup of the zone seen. */
int observe_main(int argc, char **argv);

/* `probe lookup ...`: argv[0] is "lookup". One lookup by one of probe's resolvers with this
 * host's own /etc/resolv.conf (the client's end of observe mode). Returns 0 when it gave an
 * address, 1 when it did not, 2 on bad usage. */
int observe_lookup_main(int argc, char **argv);

#endif
