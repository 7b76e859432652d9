/* Names for the library's error codes. */
#include "err.h"

#include <string.h>

const char *sp_strerror(int err)
{
	switch (err) {
	case SP_OK:
		return "success";
	case SP_ETRUNC:
		return "input truncated";
	case SP_EFORMAT:
		return "malformed input";
	case SP_ELOOP:
		return "name compression pointer loops or points forward";
	case SP_ENAMELEN:
		return "name or label too long";
	case SP_ENOSPACE:
		return "output buffer too small";
	case SP_ENOMEM:
		return "out of memory";
	case SP_EDIRECTIVE:
		return "unknown directive";
	case SP_ECONFLICT:
		return "conflicting directives";
	case SP_ERANGE:
		return "number out of range";
	case SP_EUNSUPPORTED:
		return "not supported";
	case SP_ENOTFOUND:
		return "not found";
	case SP_ESYNTAX:
		return "syntax error";
	}
	/* Library codes sit below -1000; anything between is a negative errno. */
	if (err < 0 && err > -1000)
		return strerror(-err);
	return "unknown error";
}
