// jobsync-bench: the reference figures scripts/bench.sh prints next to the
// worker's, computed from the same emulator and config.
//   jobsync-bench fetch --config FILE [--limit N]   pull every page, no database
//   jobsync-bench naive --config FILE [--limit N]   one INSERT ... ON CONFLICT per row
//   jobsync-bench copy  --config FILE [--limit N]   bare COPY of the same rows
// --limit N stops after the page that reaches N jobs.
// The database is the config's; it must be migrated (and empty for copy).
#include "bench_tools.hpp"
#include "bench_walk.hpp"

#include "jobsync/config/config.hpp"

#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char** argv)
{
    const bool limited = argc == 6 && std::string(argv[4]) == "--limit";
    if ((argc != 4 && !limited) || std::string(argv[2]) != "--config") {
        std::fputs("usage: jobsync-bench fetch|naive|copy --config FILE [--limit N]\n", stderr);
        return 2;
    }
    try {
        const long limit = limited ? std::stol(argv[5]) : 0;
        const std::string mode = argv[1];
        const jobsync::Config config = jobsync::load_config(argv[3]);
        if (mode == "fetch") {
            const double start = bench::now_seconds();
            const bench::WalkTotals totals =
                bench::walk_all(config, limit, [](const std::string&, const jobsync::JobsPage&) {});
            bench::print_rate("fetch", totals.jobs, bench::now_seconds() - start);
            std::printf("fetch requests=%ld pages=%ld\n", totals.requests, totals.pages);
        } else if (mode == "naive") {
            bench::run_naive_loader(config, limit);
        } else if (mode == "copy") {
            bench::run_copy_ceiling(config, limit);
        } else {
            std::fputs("unknown mode; use fetch, naive or copy\n", stderr);
            return 2;
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "jobsync-bench: %s\n", error.what());
        return 1;
    }
    return 0;
}
