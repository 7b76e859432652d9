/* fakens: a fake DNS server whose query names say how and when to answer. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cli.h"
#include "err.h"
#include "server.h"
#include "sp_config.h"

/* The loop wakes 29 us (median), 46 us (p90) after the timerfd on the development VM
 * (docs/fakens.md); longer waits come from CPU contention, which no window fixes. */
#define DEFAULT_SPIN_US 200
#define MAX_SPIN_US 1000000

static const char usage_head[] =
    "Usage: fakens [options]\n"
    "A fake DNS server: answers A and AAAA for every name under its zone, with the delay,\n"
    "drop or rcode that the name's directives ask for (aaaa-d50ms.t000042.lab.test).\n"
    "\n"
    "  -l, --listen ADDR[:PORT]  UDP address to serve, IPv6 in brackets (\"[::1]:5353\");\n"
    "                            repeatable; default 127.0.0.1:53 and [::1]:53\n"
    "  -z, --zone NAME           zone to answer (default lab.test)\n"
    "  -L, --log FILE            JSON-lines event log, \"-\" for standard output\n"
    "      --ready-fd N          write \"ready\\n\" to descriptor N once every socket is bound,\n"
    "                            then close it (for harnesses)\n"
    "      --spin-us N           busy-wait the last N microseconds before each delayed\n";
static const char usage_tail[] = "  -h, --help                show this help and exit\n"
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

static void parse_listen(const char *arg, struct sockaddr_storage *out)
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
	parse_listen("127.0.0.1:53", &c->listen[0]);
	parse_listen("[::1]:53", &c->listen[1]);
	c->nlisten = 2;
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

enum { OPT_READY_FD = 256, OPT_SPIN_US };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, 'l'},
	    {"zone", required_argument, NULL, 'z'},
	    {"log", required_argument, NULL, 'L'},
	    {"ready-fd", required_argument, NULL, OPT_READY_FD},
	    {"spin-us", required_argument, NULL, OPT_SPIN_US},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	static fakens_config_t cfg;
	const char *zone = "lab.test", *log_path = NULL;
	unsigned long v;
	cfg.ready_fd = -1;
	cfg.spin_ns = DEFAULT_SPIN_US * 1000ull;

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
			parse_listen(optarg, &cfg.listen[cfg.nlisten++]);
			break;
		case 'z':
			zone = optarg;
			break;
		case 'L':
			log_path = optarg;
			break;
		case OPT_READY_FD:
			if (sp_parse_uint(optarg, INT_MAX, &v) < 0) {
				fprintf(stderr,
					"fakens: bad --ready-fd '%s': expected a descriptor "
					"number such as 3\n",
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
		case 'h':
			printf("%s                            answer (default %d)\n%s", usage_head,
			       DEFAULT_SPIN_US, usage_tail);
			return 0;
		case 'V':
			printf("fakens %s\n", SP_VERSION);
			return 0;
		case ':':
			fprintf(stderr, "fakens: option '%s' needs a value; see fakens --help\n",
				argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "fakens: unknown option '%s'; see fakens --help\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"fakens: unexpected argument '%s'; fakens takes options only, see "
			"fakens --help\n",
			argv[optind]);
		return 2;
	}
	if (cfg.nlisten == 0)
		set_default_listen(&cfg);
	set_zone(&cfg, zone);

	if (log_path && strcmp(log_path, "-") == 0) {
		cfg.log = stdout;
	} else if (log_path) {
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
		return 2;
	}

	/* A log reader that goes away must not kill the server: the write fails instead. */
	signal(SIGPIPE, SIG_IGN);
	int status = fakens_run(&cfg);
	if (cfg.log && cfg.log != stdout)
		fclose(cfg.log);
	return status;
}
