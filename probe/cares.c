/* The c-ares resolver: ares_getaddrinfo on a libuv loop, driven through the socket-state callback.
 */
#define _GNU_SOURCE
#include "err.h"
#include "lookup.h"
#include "timeutil.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

typedef struct cares_sock cares_sock_t;

typedef struct cares_ctx {
	uv_loop_t loop;
	uv_timer_t timer;
	ares_channel channel;
	cares_sock_t *socks; /* one per socket c-ares has open */
	resolver_result_t *out;
	uint64_t t0;
	int done;
} cares_ctx_t;

/* The poll handle is embedded, so the entry is freed only from its close callback. */
struct cares_sock {
	uv_poll_t poll;
	ares_socket_t fd;
	cares_ctx_t *ctx;
	cares_sock_t *next;
};

static void on_sock_closed(uv_handle_t *h) { free(h->data); }

/* ares_timeout says when c-ares next wants to retransmit or give up; without a pending
 * deadline the timer stays off. */
static void arm_timer(cares_ctx_t *ctx);

static void on_timer(uv_timer_t *t)
{
	cares_ctx_t *ctx = t->data;
	ares_process_fd(ctx->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	arm_timer(ctx);
}

static void arm_timer(cares_ctx_t *ctx)
{
	struct timeval tv, *tvp = ares_timeout(ctx->channel, NULL, &tv);
	if (!tvp || ctx->done) {
		uv_timer_stop(&ctx->timer);
		return;
	}
	uint64_t ms = (uint64_t)tvp->tv_sec * 1000u + ((uint64_t)tvp->tv_usec + 999u) / 1000u;
	uv_timer_start(&ctx->timer, on_timer, ms, 0);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	cares_sock_t *s = p->data;
	cares_ctx_t *ctx = s->ctx;
	/* On a poll error let c-ares find the socket's error by reading and writing. */
	ares_socket_t rfd = (status < 0 || (events & UV_READABLE)) ? s->fd : ARES_SOCKET_BAD;
	ares_socket_t wfd = (status < 0 || (events & UV_WRITABLE)) ? s->fd : ARES_SOCKET_BAD;
	ares_process_fd(ctx->channel, rfd, wfd);
	arm_timer(ctx);
}

/* c-ares calls this when a socket opens, changes interest, or (0, 0) is about to close. */
static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	cares_ctx_t *ctx = data;
	cares_sock_t **link = &ctx->socks;
	while (*link && (*link)->fd != fd)
		link = &(*link)->next;
	cares_sock_t *s = *link;

	if (!readable && !writable) {
		if (s) {
			*link = s->next;
			uv_poll_stop(&s->poll);
			uv_close((uv_handle_t *)&s->poll, on_sock_closed);
		}
		return;
	}
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return; /* c-ares then times the query out, which the result reports */
		if (uv_poll_init_socket(&ctx->loop, &s->poll, fd) < 0) {
			free(s);
			return;
		}
		s->fd = fd;
		s->ctx = ctx;
		s->poll.data = s;
		s->next = ctx->socks;
		ctx->socks = s;
	}
	uv_poll_start(&s->poll, (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0),
		      on_poll);
}

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	cares_ctx_t *ctx = arg;
	resolver_result_t *out = ctx->out;
	out->elapsed_ns = sp_mono_ns() - ctx->t0;
	ctx->done = 1;
	if (status == ARES_SUCCESS && res) {
		for (const struct ares_addrinfo_node *n = res->nodes; n; n = n->ai_next)
			resolver_add_family(out, n->ai_family);
		if (!out->ok)
			snprintf(out->error, sizeof(out->error), "no address returned");
	} else {
		snprintf(out->error, sizeof(out->error), "%s",
			 status == ARES_ETIMEOUT ? "timed out" : ares_strerror(status));
	}
	/* Owned by the caller on success; NULL on failure (c-ares frees what it had). */
	if (res)
		ares_freeaddrinfo(res);
}

/* c-ares 1.18 takes neither timeout: nor attempts: from resolv.conf; these match the lab's
 * glibc variants, so a lost answer costs both the same (docs/resolvers.md). */
#define CARES_TIMEOUT_MS 1000
#define CARES_TRIES 2

int cares_lookup(const resolver_t *self, const char *qname, resolver_result_t *out)
{
	int rc;
	if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		snprintf(out->error, sizeof(out->error), "c-ares: %s", ares_strerror(rc));
		return SP_ENOMEM;
	}
	cares_ctx_t ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.out = out;
	if ((rc = uv_loop_init(&ctx.loop)) < 0) {
		snprintf(out->error, sizeof(out->error), "libuv: %s", uv_strerror(rc));
		ares_library_cleanup();
		return rc;
	}
	uv_timer_init(&ctx.loop, &ctx.timer);
	ctx.timer.data = &ctx;

	struct ares_options opts;
	memset(&opts, 0, sizeof(opts));
	opts.sock_state_cb = on_sock_state;
	opts.sock_state_cb_data = &ctx;
	opts.flags = self->flags;
	opts.timeout = CARES_TIMEOUT_MS;
	opts.tries = CARES_TRIES;
	int ret = 0;
	/* Servers come from the lab's /etc/resolv.conf, every nameserver line of it, as an
	 * application's channel gets them. */
	rc = ares_init_options(&ctx.channel, &opts,
			       ARES_OPT_SOCK_STATE_CB | ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS |
				   ARES_OPT_TRIES);
	if (rc != ARES_SUCCESS) {
		snprintf(out->error, sizeof(out->error), "c-ares: %s", ares_strerror(rc));
		ret = SP_EFORMAT;
		goto out;
	}

	struct ares_addrinfo_hints hints;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	ctx.t0 = sp_mono_ns();
	ares_getaddrinfo(ctx.channel, qname, NULL, &hints, on_addrinfo, &ctx);
	arm_timer(&ctx);
	/* Stops at the callback, not when the loop runs dry: c-ares keeps its UDP socket open
	 * (and polled) until the channel goes. */
	while (!ctx.done && uv_run(&ctx.loop, UV_RUN_ONCE))
		;
	if (!ctx.done) {
		snprintf(out->error, sizeof(out->error), "c-ares stopped without an answer");
	}

out:
	if (ctx.channel) {
		ctx.done = 1;
		/* Closes its sockets through on_sock_state; a still pending query is called back
		 * with ARES_EDESTRUCTION, which must not overwrite what we have. */
		resolver_result_t scratch;
		memset(&scratch, 0, sizeof(scratch));
		ctx.out = &scratch;
		ares_destroy(ctx.channel);
	}
	uv_close((uv_handle_t *)&ctx.timer, NULL);
	uv_run(&ctx.loop, UV_RUN_DEFAULT);
	uv_loop_close(&ctx.loop);
	ares_library_cleanup();
	return ret;
}
