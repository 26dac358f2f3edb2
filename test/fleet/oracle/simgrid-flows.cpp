// The SimGrid oracle of test/fleet/simgrid-oracle.test.ts: concurrent
// transfers from host src to host dst of a platform file, each started at its
// own time, in SimGrid's flow model; prints when each one ends.
//
//   simgrid-flows <flows|vms> <platform.xml> <start_s>:<bytes> ... [--cfg=...]
//
// flows: each transfer is an actor on src that sleeps until its start, then
//   sends its bytes to dst (Comm::sendto: a host-to-host flow).
// vms: each transfer is the live migration of a VM of that many bytes of RAM
//   through SimGrid's VM live migration plugin (sg_vm_migrate,
//   src/plugins/vm/VmLiveMigration.cpp). The VMs run nothing, so the plugin
//   dirties no page: stage 1 sends the RAM as one flow, stage 2 has nothing to
//   send and stage 3 sends 0 bytes; the migration speed is left at 0 (no cap).
//
// Output: one line per transfer, "<index> <start_s> <end_s>", 17 significant
// digits. The flow model, its factors and its precision are set on the command
// line (the test sets CM02 without latency, TCP-gamma, weight-S or cross
// traffic, so that flows share the link max-min fairly and nothing else).
#include <simgrid/plugins/live_migration.h>
#include <simgrid/s4u.hpp>
#include <simgrid/s4u/VirtualMachine.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace sg4 = simgrid::s4u;

struct Transfer {
  double start_s;
  std::uint64_t bytes;
  double end_s;
};

int main(int argc, char* argv[])
{
  sg4::Engine e(&argc, argv); // consumes the --cfg=... and --log=... arguments
  if (argc < 4 || (std::strcmp(argv[1], "flows") != 0 && std::strcmp(argv[1], "vms") != 0)) {
    std::fprintf(stderr, "usage: %s <flows|vms> <platform.xml> <start_s>:<bytes> ...\n", argv[0]);
    return 2;
  }
  const bool vms = std::strcmp(argv[1], "vms") == 0;
  if (vms)
    sg_vm_live_migration_plugin_init();
  e.load_platform(argv[2]);
  std::vector<Transfer> transfers;
  for (int i = 3; i < argc; i++) {
    std::string arg = argv[i];
    auto colon      = arg.find(':');
    if (colon == std::string::npos) {
      std::fprintf(stderr, "expected <start_s>:<bytes>, found %s\n", argv[i]);
      return 2;
    }
    transfers.push_back({std::stod(arg.substr(0, colon)), std::stoull(arg.substr(colon + 1)), -1});
  }
  sg4::Host* src = e.host_by_name("src");
  sg4::Host* dst = e.host_by_name("dst");
  for (std::size_t i = 0; i < transfers.size(); i++) {
    Transfer& t = transfers[i];
    if (vms) {
      sg4::VirtualMachine* vm = src->create_vm("vm" + std::to_string(i), 1, static_cast<size_t>(t.bytes));
      vm->start();
      sg4::Actor::create("migrate", src, [&t, vm, dst]() {
        sg4::this_actor::sleep_until(t.start_s);
        sg_vm_migrate(vm, dst);
        t.end_s = sg4::Engine::get_clock();
      });
    } else {
      sg4::Actor::create("transfer", src, [&t, src, dst]() {
        sg4::this_actor::sleep_until(t.start_s);
        sg4::Comm::sendto(src, dst, t.bytes);
        t.end_s = sg4::Engine::get_clock();
      });
    }
  }
  e.run();
  for (std::size_t i = 0; i < transfers.size(); i++)
    std::printf("%zu %.17g %.17g\n", i, transfers[i].start_s, transfers[i].end_s);
  return 0;
}
