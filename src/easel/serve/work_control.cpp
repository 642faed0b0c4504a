#include "easel/serve/work_control.hpp"

namespace easel::serve {

GenerationWatch::GenerationWatch(std::function<void()> check)
    : check_(std::move(check)), stop_(std::make_shared<std::optional<WorkInterrupted>>()) {}

std::function<bool()> GenerationWatch::cancelled() const {
  if (!check_) return {};
  return [check = check_, stop = stop_] {
    try {
      check();
      return false;
    } catch (const WorkInterrupted& reason) {
      stop->emplace(reason);
      return true;
    }
  };
}

void GenerationWatch::rethrow() const {
  if (*stop_) throw **stop_;
  throw WorkInterrupted(false, "the generation was cancelled");
}

}  // namespace easel::serve
