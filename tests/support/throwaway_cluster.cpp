#include "support/throwaway_cluster.hpp"

#include "jobsync/db/migrations.hpp"
#include "support/http_request.hpp"
#include "support/process.hpp"

#include <pqxx/pqxx>

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace testing {
namespace {

const std::string kBinDir = "/usr/lib/postgresql/15/bin/";

// Runs a server program as the cluster's owner; throws with its output on failure.
void run_as_owner(const std::string& program, const std::vector<std::string>& args)
{
    std::vector<std::string> argv;
    std::string path = kBinDir + program;
    if (::geteuid() == 0) {
        argv = {"-u", "postgres", "--", path};
        path = "/usr/sbin/runuser";
    }
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess child(path, argv);
    const ProcessResult result = child.wait();
    if (result.exit_code != 0) {
        throw std::runtime_error(program + " failed (" + std::to_string(result.exit_code) +
                                 "): " + result.output);
    }
}

} // namespace

ThrowawayCluster::ThrowawayCluster()
{
    std::string pattern = "/tmp/jobsync-test-cluster-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    dir_ = pattern;
    if (::geteuid() == 0) {
        const passwd* owner = ::getpwnam("postgres");
        if (owner == nullptr || ::chown(dir_.c_str(), owner->pw_uid, owner->pw_gid) != 0) {
            throw std::runtime_error("cannot give " + dir_ + " to the postgres user");
        }
    }
    run_as_owner("initdb", {"-D", dir_ + "/data", "-A", "trust", "-U", "postgres", "-E", "UTF8",
                            "--no-locale"});
    port_ = free_loopback_port();
    start();
}

ThrowawayCluster::~ThrowawayCluster()
{
    try {
        if (running_) {
            stop();
        }
    } catch (...) { // the files go anyway
    }
    std::system(("rm -rf '" + dir_ + "'").c_str());
}

void ThrowawayCluster::pg_ctl(const std::string& action)
{
    std::vector<std::string> args{"-D", dir_ + "/data", "-l", dir_ + "/server.log",
                                  "-w", "-t",           "60"};
    if (action == "start") {
        args.insert(args.end(), {"-o", "-p " + std::to_string(port_) + " -k " + dir_ +
                                           " -c listen_addresses=127.0.0.1 -c fsync=off"});
    } else {
        args.insert(args.end(), {"-m", "fast"});
    }
    args.push_back(action);
    run_as_owner("pg_ctl", args);
}

void ThrowawayCluster::start()
{
    pg_ctl("start");
    running_ = true;
}

void ThrowawayCluster::stop()
{
    pg_ctl("stop");
    running_ = false;
}

std::string ThrowawayCluster::url(const std::string& dbname) const
{
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=" + dbname;
}

std::string ThrowawayCluster::create_database(const std::string& dbname, const std::string& schema)
{
    {
        pqxx::connection admin(url("postgres"));
        pqxx::nontransaction(admin).exec("CREATE DATABASE " + dbname);
    }
    pqxx::connection conn(url(dbname));
    jobsync::apply_migrations(conn, schema);
    return url(dbname);
}

std::string ThrowawayCluster::scalar(const std::string& dbname, const std::string& sql) const
{
    pqxx::connection conn(url(dbname));
    pqxx::nontransaction txn(conn);
    const pqxx::result result = txn.exec(sql);
    if (result.empty() || result[0][0].is_null()) {
        return "";
    }
    return result[0][0].as<std::string>();
}

} // namespace testing
