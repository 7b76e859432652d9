/* Error codes shared by the library: 0 or a negative code, named by sp_strerror. */
#ifndef SP_ERR_H
#define SP_ERR_H

/* Library codes sit below -1000 so that a negative errno (-EPERM ...) can travel the same
 * way and still be named. */
enum sp_err {
	SP_OK = 0,
	SP_ETRUNC = -1001,       /* input ends before a field it announces */
	SP_EFORMAT = -1002,      /* a field holds a value the format does not allow */
	SP_ELOOP = -1003,        /* name compression pointer that does not go strictly back */
	SP_ENAMELEN = -1004,     /* name or label longer than RFC 1035 allows */
	SP_ENOSPACE = -1005,     /* output buffer too small */
	SP_ENOMEM = -1006,       /* allocation failed */
	SP_EDIRECTIVE = -1007,   /* label is not a known directive */
	SP_ECONFLICT = -1008,    /* directive given twice or contradicting another */
	SP_ERANGE = -1009,       /* number out of the allowed range */
	SP_EUNSUPPORTED = -1010, /* link type or protocol not handled */
	SP_ENOTFOUND = -1011,    /* lookup by name found nothing */
	SP_ESYNTAX = -1012,      /* text input (scenario file, option) not in the expected form */
};

/* A sentence fragment naming err ("input truncated"); never NULL. Negative errno values are
 * named by strerror. */
const char *sp_strerror(int err);

#endif
