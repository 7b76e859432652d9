/* sniff's main.c with its main renamed, so that a fuzz target can run sniff -r in-process. */
int sniff_main(int argc, char **argv);
#define main sniff_main
#include "../../sniff/main.c"
