// Every public header in one translation unit, compiled by the tests with clang as well as the
// build's compiler: users and the fuzzers build cskpi with either.
#include <cskpi/cskpi.hpp>

int main() { return 0; }
