/* sniff -r on two threads: the caller reads and dissects frames, a second thread analyses
 * them (analyzer_add and the trial callback), and the caller prints the finished trials, so
 * that the work overlaps on two cores. */
#ifndef SNIFF_PIPELINE_H
#define SNIFF_PIPELINE_H

#include <stdint.h>

#include "dissect.h"
#include "sniff.h"

typedef struct pipeline pipeline_t;

/* Starts the analysing thread. Returns 0, SP_ENOMEM or -errno (the thread could not be
 * made): the caller then analyses in its own thread with sniff_analyse. */
int pipeline_start(pipeline_t **pl, sniff_t *s);

/* Hands one dissected frame over, in capture order, with its analyzer_prepare result. p and
 * prep are copied (a TCP payload too), so they need to live only for the call. Returns 0, or
 * SP_ENOMEM (said on standard error, here or by the analysing thread): the caller stops
 * reading. */
int pipeline_push(pipeline_t *pl, uint64_t frame, uint64_t ts_ns, const pkt_t *p,
		  const analyzer_prep_t *prep);

/* Waits until every frame pushed so far has been analysed, so that what the caller prints
 * next comes after what the analysis printed for them. Returns as pipeline_push. */
int pipeline_sync(pipeline_t *pl);

/* The trial callback's part on the analysing thread (sniff_on_trial): a copy of t is kept
 * for the reader, which prints it (story_trial, output_trial) at its next pipeline_push,
 * pipeline_sync or pipeline_finish, in the order trials finished. Returns 0 or SP_ENOMEM,
 * which the reader then makes s->out_rc. */
int pipeline_trial(pipeline_t *pl, const trial_t *t);

/* Analyses what is left and, if flush, finishes every trial (analyzer_flush) while this
 * thread prints them; stops the thread and frees pl. Returns 0 or the thread's error. */
int pipeline_finish(pipeline_t *pl, int flush);

#endif
