#include "easel/ops/generation_engine.hpp"

#include <mutex>
#include <random>

#include "easel/core/error.hpp"

namespace easel {
namespace {

std::mutex engine_mutex;
std::shared_ptr<GenerationEngine> installed_engine;

}  // namespace

void install_generation_engine(std::shared_ptr<GenerationEngine> engine) {
  const std::lock_guard lock(engine_mutex);
  installed_engine = std::move(engine);
}

bool has_generation_engine() {
  const std::lock_guard lock(engine_mutex);
  return installed_engine != nullptr;
}

GenerationEngine& generation_engine(const std::string& what) {
  const std::lock_guard lock(engine_mutex);
  if (!installed_engine) {
    throw Error(ErrorKind::capability, what +
                                           " needs the diffusion engine, which this build of Easel does not have "
                                           "(build with -DEASEL_BUILD_DIFFUSION=ON and LibTorch installed)");
  }
  return *installed_engine;
}

std::uint64_t random_seed() {
  std::random_device device;
  return std::uniform_int_distribution<std::uint64_t>(0, 0xffffffffu)(device);
}

}  // namespace easel
