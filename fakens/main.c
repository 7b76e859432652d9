/* fakens: a fake DNS server whose query names say how and when to answer. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "cli.h"
#include "err.h"
#include "paths.h"
#include "scenario.h"
#include "privdrop.h"
#include "ratelimit.h"
#include "server.h"
#include "sp_config.h"

/* The loop woke 29 us (median), 46 us (p90) after the timerfd on a 2-vCPU VM; the window
 * covers that with room. Longer waits come from CPU contention, which no window fixes. */
#define DEFAULT_SPIN_US 200
#define MAX_SPIN_US 1000000
/* RFC 7766 6.2.3 asks for seconds, not minutes; long enough for a 30 s delayed answer's
 * client to send its next query after it. */
#define DEFAULT_TCP_IDLE_MS 10000
#define MAX_TCP_IDLE_MS 600000
/* Far above what a resolver under test sends (a few queries per lookup), far below a flood. */
#define DEFAULT_RATE_LIMIT "1000/s,2000"

static const char usage_head[] =
    "Usage: fakens [options]\n"
    "A fake DNS server: answers A and AAAA for every name under its zone, with the delay,\n"
    "drop or rcode that the name's directives ask for (aaaa-d50ms.t000042.lab.test).\n"
    "\n"
    "  -l, --listen ADDR[:PORT][@N]  address to serve over UDP and TCP, IPv6 in brackets\n"
    "                            (\"[::1]:5353\"); repeatable; default 127.0.0.1:53 and\n"
    "                            [::1]:53; it is server N (1-9) for \"sN-\" directives,\n"
    "                            by default its position among the --listen options\n"
    "      --no-tcp              serve UDP only\n"
    "      --tcp-idle-ms N       close a TCP connection idle this long (default 10000)\n"
    "      --other-source ADDR   source address of \"otheraddr\" decoys, one per family\n"
    "                            (default 127.0.0.254 for IPv4, none for IPv6)\n"
    "      --list-scenarios      print the named scenarios and exit\n"
    "      --scenarios FILE      the catalogue for --list-scenarios (default\n"
    "                            $STUBPROBE_DATADIR/scenarios.conf, else the installed\n"
    "                            " SP_REL_DATADIR "/scenarios.conf relative to fakens's\n"
    "                            directory, or data/scenarios.conf of the source tree\n"
    "                            when fakens runs from the build tree)\n"
    "  -z, --zone NAME           zone to answer (default lab.test)\n"
    "  -L, --log FILE            JSON-lines event log, \"-\" for standard output\n"
    "      --ready-fd N          write \"ready\\n\" to descriptor N once every socket is bound,\n"
    "                            then close it (for harnesses)\n"
    "      --spin-us N           busy-wait the last N microseconds before each delayed\n";
static const char usage_tail[] =
    "      --rate-limit N[/s][,BURST]  queries per second per client address, BURST at\n"
    "                            once after a quiet spell (default " DEFAULT_RATE_LIMIT
    "); 0 = off\n"
    "      --user NAME           when started as root, become NAME once the sockets are\n"
    "                            bound (default nobody; root keeps root)\n"
    "  -h, --help                show this help and exit\n"
    "  -V, --version             show the version and exit\n"
    "\n"
    "Runs until SIGINT or SIGTERM, then exits 0; exits 2 on an error\n"
    "(bad option, zone or address, cannot bind, log not writable).\n"
    "See docs/fakens.md and docs/directives.md.\n";

static void die_listen(const char *arg)
{
	fprintf(stderr,
		"fakens: bad --listen address '%s': expected ADDR[:PORT] such as "
		"127.0.0.1:53 or [::1]:53\n",
		arg);
	exit(2);
}

static void parse_addr(const char *arg, struct sockaddr_storage *out);

/* ADDR[:PORT][@N]: the server number, when given, after the last '@'. */
static void parse_listen(const char *arg, struct sockaddr_storage *out, int *server)
{
	char addr[300];
	const char *at = strrchr(arg, '@');
	if (at) {
		unsigned long n;
		if (sp_parse_uint(at + 1, DIRECTIVE_MAX_SERVERS, &n) < 0 || n == 0 ||
		    (size_t)(at - arg) >= sizeof(addr)) {
			fprintf(stderr,
				"fakens: bad --listen address '%s': give a server number from 1 "
				"to %d after '@'\n",
				arg, DIRECTIVE_MAX_SERVERS);
			exit(2);
		}
		memcpy(addr, arg, (size_t)(at - arg));
		addr[at - arg] = '\0';
		*server = (int)n;
		parse_addr(addr, out);
		return;
	}
	parse_addr(arg, out);
}

static void parse_addr(const char *arg, struct sockaddr_storage *out)
{
	char host[256];
	const char *port_text = NULL;
	int v6 = 0;
	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');
		if (!close || (size_t)(close - arg - 1) >= sizeof(host))
			die_listen(arg);
		memcpy(host, arg + 1, (size_t)(close - arg - 1));
		host[close - arg - 1] = '\0';
		if (close[1] == ':')
			port_text = close + 2;
		else if (close[1] != '\0')
			die_listen(arg);
		v6 = 1;
	} else {
		if (strlen(arg) >= sizeof(host))
			die_listen(arg);
		strcpy(host, arg);
		char *colon = strchr(host, ':');
		if (colon && strchr(colon + 1, ':')) {
			v6 = 1; /* a bare IPv6 address: the port needs the brackets */
		} else if (colon) {
			*colon = '\0';
			port_text = arg + (colon - host) + 1;
		}
	}
	unsigned long port = 53;
	if (port_text && sp_parse_uint(port_text, 65535, &port) < 0)
		die_listen(arg);
	memset(out, 0, sizeof(*out));
	int r = v6 ? uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)out)
		   : uv_ip4_addr(host, (int)port, (struct sockaddr_in *)out);
	if (host[0] == '\0' || r != 0)
		die_listen(arg);
}

static void set_default_listen(fakens_config_t *c)
{
	parse_addr("127.0.0.1:53", &c->listen[0]);
	parse_addr("[::1]:53", &c->listen[1]);
	c->listen_server[0] = 1;
	c->listen_server[1] = 2;
	c->nlisten = 2;
}

static void set_other_source(fakens_config_t *c, const char *arg)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	int v6 = strchr(arg, ':') != NULL;
	int r = v6 ? uv_ip6_addr(arg, 0, (struct sockaddr_in6 *)&ss)
		   : uv_ip4_addr(arg, 0, (struct sockaddr_in *)&ss);
	if (r != 0) {
		fprintf(stderr,
			"fakens: bad --other-source '%s': expected a numeric address of this "
			"host such as 127.0.0.254 or ::2\n",
			arg);
		exit(2);
	}
	c->other_source[v6] = ss;
	c->other_source_given[v6] = 1;
}

/* Prints the catalogue as probe --list-scenarios does, or with print 0 only checks that it
 * reads. Returns the exit status. */
static int list_scenarios(const char *file, int print)
{
	char path[PATHS_MAX + 32], datadir[PATHS_MAX];
	if (file)
		snprintf(path, sizeof(path), "%s", file);
	else if (paths_datadir(datadir, sizeof(datadir)) < 0) {
		fprintf(stderr, "fakens: the data directory's path is too long; give the "
				"catalogue with --scenarios or set STUBPROBE_DATADIR\n");
		return 2;
	} else
		snprintf(path, sizeof(path), "%s/scenarios.conf", datadir);
	scenario_list_t list;
	int line = 0;
	char why[256] = "";
	int rc = scenario_load(path, &list, &line, why, sizeof(why));
	if (rc < 0) {
		if (line > 0)
			fprintf(stderr,
				"fakens: %s:%d: %s; fix that line of the scenario catalogue "
				"(its format is in docs/directives.md)\n",
				path, line, why);
		else
			fprintf(stderr,
				"fakens: cannot read scenarios '%s': %s; give the catalogue "
				"with --scenarios or set STUBPROBE_DATADIR\n",
				path, sp_strerror(rc));
		return 2;
	}
	if (!print) {
		scenario_list_free(&list);
		return 0;
	}
	size_t wn = strlen("scenario"), wd = strlen("directives");
	for (size_t i = 0; i < list.count; i++) {
		size_t n = strlen(list.items[i].name), d = strlen(list.items[i].spec);
		wn = n > wn ? n : wn;
		wd = d > wd ? d : wd;
	}
	printf("%-*s  %-*s  %-7s  %s\n", (int)wn, "scenario", (int)wd, "directives", "default",
	       "description");
	for (size_t i = 0; i < list.count; i++) {
		const scenario_t *sc = &list.items[i];
		printf("%-*s  %-*s  %-7s  %s\n", (int)wn, sc->name, (int)wd, sc->spec,
		       sc->in_default ? "yes" : "", sc->description);
	}
	scenario_list_free(&list);
	return 0;
}

static void set_zone(fakens_config_t *c, const char *text)
{
	int r = dns_name_from_text(text, &c->zone);
	if (r == 0 && dns_name_label_count(&c->zone) == 0) {
		/* Serving the root would answer every name: an open server, not a test zone. */
		fprintf(stderr,
			"fakens: bad --zone '%s': the root is not a test zone; give a "
			"domain name such as lab.test\n",
			text);
		exit(2);
	}
	if (r == 0)
		r = dns_name_to_text(&c->zone, c->zone_text, sizeof(c->zone_text));
	if (r < 0) {
		fprintf(stderr,
			"fakens: bad --zone '%s': %s; give a domain name such as "
			"lab.test\n",
			text, sp_strerror(r));
		exit(2);
	}
}

enum {
	OPT_READY_FD = 256,
	OPT_SPIN_US,
	OPT_RATE_LIMIT,
	OPT_USER,
	OPT_NO_TCP,
	OPT_TCP_IDLE,
	OPT_OTHER_SOURCE,
	OPT_LIST_SCENARIOS,
	OPT_SCENARIOS,
};

static void set_rate_limit(fakens_config_t *c, const char *text)
{
	if (ratelimit_parse(text, &c->rate_limit, &c->rate_burst) < 0) {
		fprintf(stderr,
			"fakens: bad --rate-limit '%s': expected queries per second and an "
			"optional burst, such as 1000/s,2000 (0 turns it off)\n",
			text);
		exit(2);
	}
	if (c->rate_burst == 0)
		c->rate_burst = c->rate_limit;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"zone", required_argument, NULL, 'z'},
	    {"log", required_argument, NULL, 'L'},
	    {"ready-fd", required_argument, NULL, OPT_READY_FD},
	    {"spin-us", required_argument, NULL, OPT_SPIN_US},
	    {"rate-limit", required_argument, NULL, OPT_RATE_LIMIT},
	    {"user", required_argument, NULL, OPT_USER},
	    {"no-tcp", no_argument, NULL, OPT_NO_TCP},
	    {"tcp-idle-ms", required_argument, NULL, OPT_TCP_IDLE},
	    {"other-source", required_argument, NULL, OPT_OTHER_SOURCE},
	    {"list-scenarios", no_argument, NULL, OPT_LIST_SCENARIOS},
	    {"scenarios", required_argument, NULL, OPT_SCENARIOS},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	static fakens_config_t cfg;
	const char *zone = "lab.test", *log_path = NULL;
	int made_log = 0;
	unsigned long v;
	cfg.ready_fd = -1;
	cfg.spin_ns = DEFAULT_SPIN_US * 1000ull;
	cfg.tcp = 1;
	cfg.tcp_idle_ms = DEFAULT_TCP_IDLE_MS;
	/* Any 127/8 address is this host's; .254 is far from the lab's servers (.1, .2 ..). */
	uv_ip4_addr("127.0.0.254", 0, (struct sockaddr_in *)&cfg.other_source[0]);
	int list = 0;
	const char *scenarios = NULL;
	cfg.user = "nobody";
	set_rate_limit(&cfg, DEFAULT_RATE_LIMIT);

	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":l:z:L:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (cfg.nlisten == FAKENS_MAX_LISTEN) {
				fprintf(stderr,
					"fakens: too many --listen addresses (at most %d); run "
					"a second fakens for more\n",
					FAKENS_MAX_LISTEN);
				return 2;
			}
			/* By default server N is the N-th --listen (s1 .. s9). */
			cfg.listen_server[cfg.nlisten] =
			    cfg.nlisten < DIRECTIVE_MAX_SERVERS ? cfg.nlisten + 1 : 0;
			parse_listen(optarg, &cfg.listen[cfg.nlisten],
				     &cfg.listen_server[cfg.nlisten]);
			cfg.nlisten++;
			break;
		case OPT_NO_TCP:
			cfg.tcp = 0;
			break;
		case OPT_TCP_IDLE:
			if (sp_parse_uint(optarg, MAX_TCP_IDLE_MS, &v) < 0 || v == 0) {
				fprintf(stderr,
					"fakens: bad --tcp-idle-ms '%s': expected milliseconds "
					"from 1 to %d, such as %d\n",
					optarg, MAX_TCP_IDLE_MS, DEFAULT_TCP_IDLE_MS);
				return 2;
			}
			cfg.tcp_idle_ms = v;
			break;
		case OPT_OTHER_SOURCE:
			set_other_source(&cfg, optarg);
			break;
		case OPT_LIST_SCENARIOS:
			list = 1;
			break;
		case OPT_SCENARIOS:
			scenarios = optarg;
			break;
		case 'z':
			zone = optarg;
			break;
		case 'L':
			log_path = optarg;
			break;
		case OPT_READY_FD:
			/* 0 to 2 are the log's and the terminal's: "ready" there would
			 * corrupt the one or be lost in the other. */
			if (sp_parse_uint(optarg, INT_MAX, &v) < 0 || v < 3) {
				fprintf(stderr,
					"fakens: bad --ready-fd '%s': expected a descriptor "
					"number above 2, such as 3\n",
					optarg);
				return 2;
			}
			if (fcntl((int)v, F_GETFD) < 0) {
				fprintf(stderr,
					"fakens: bad --ready-fd '%s': descriptor is not open; "
					"pass one the harness opened for writing\n",
					optarg);
				return 2;
			}
			cfg.ready_fd = (int)v;
			break;
		case OPT_SPIN_US:
			if (sp_parse_uint(optarg, MAX_SPIN_US, &v) < 0) {
				fprintf(stderr,
					"fakens: bad --spin-us '%s': expected microseconds "
					"from 0 to %d, such as %d\n",
					optarg, MAX_SPIN_US, DEFAULT_SPIN_US);
				return 2;
			}
			cfg.spin_ns = v * 1000ull;
			break;
		case OPT_RATE_LIMIT:
			set_rate_limit(&cfg, optarg);
			break;
		case OPT_USER:
			cfg.user = optarg;
			break;
		case 'h':
			printf("%s                            answer (default %d)\n%s", usage_head,
			       DEFAULT_SPIN_US, usage_tail);
			return 0;
		case 'V':
			printf("fakens %s\n", SP_VERSION);
			return 0;
		default: {
			char why[256];
			sp_option_error(why, sizeof(why), opts, c, optopt, argv[optind - 1]);
			fprintf(stderr, "fakens: %s; see fakens --help\n", why);
			return 2;
		}
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"fakens: unexpected argument '%s'; fakens takes options only, see "
			"fakens --help\n",
			argv[optind]);
		return 2;
	}
	if (list)
		return list_scenarios(scenarios, 1);
	/* The server does not use the catalogue, but a file named on the command line that
	 * cannot be read is a mistake to point out, not to pass over. */
	if (scenarios && list_scenarios(scenarios, 0) != 0)
		return 2;
	if (cfg.nlisten == 0)
		set_default_listen(&cfg);
	set_zone(&cfg, zone);
	if (geteuid() == 0) {
		int r = privdrop_lookup(cfg.user, &cfg.uid, &cfg.gid);
		if (r < 0) {
			fprintf(stderr,
				"fakens: cannot look up --user '%s': %s; give an existing "
				"unprivileged user (fakens drops root to it after binding)\n",
				cfg.user, sp_strerror(r));
			return 2;
		}
	}

	if (log_path && strcmp(log_path, "-") == 0) {
		cfg.log = stdout;
	} else if (log_path) {
		struct stat st;
		made_log = lstat(log_path, &st) < 0 && errno == ENOENT;
		cfg.log = fopen(log_path, "a");
		if (!cfg.log) {
			fprintf(stderr,
				"fakens: cannot write log '%s': %s; give a writable file "
				"or - with --log\n",
				log_path, strerror(errno));
			return 2;
		}
	}
	if (cfg.log && cfg.ready_fd == fileno(cfg.log)) {
		fprintf(stderr,
			"fakens: --ready-fd %d is the log's descriptor; give the harness "
			"its own descriptor\n",
			cfg.ready_fd);
		if (made_log)
			unlink(log_path);
		return 2;
	}

	/* A log reader that goes away must not kill the server: the write fails instead. */
	signal(SIGPIPE, SIG_IGN);
	int status = fakens_run(&cfg);
	if (cfg.log && cfg.log != stdout) {
		/* A log this run made and never wrote to (a bind that failed) is no record of
		 * anything; one that existed before is left as it was. */
		long size = ftell(cfg.log);
		fclose(cfg.log);
		if (status != 0 && made_log && size == 0)
			unlink(log_path);
	}
	return status;
}
