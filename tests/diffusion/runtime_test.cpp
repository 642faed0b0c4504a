#include "easel/diffusion/runtime.hpp"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <thread>

namespace easel::diffusion {
namespace {

TEST(Runtime, UsesEveryHardwareThread) {
  const int before = at::get_num_threads();
  initialize_runtime();
  EXPECT_EQ(at::get_num_threads(), static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  // The golden tests run single-threaded: on a loaded CI machine OpenMP barriers make them slow.
  at::set_num_threads(before);
}

TEST(Runtime, TakesAChosenThreadCount) {
  const int before = at::get_num_threads();
  initialize_runtime(1);
  EXPECT_EQ(at::get_num_threads(), 1);
  initialize_runtime(3);
  EXPECT_EQ(at::get_num_threads(), 3);
  at::set_num_threads(before);
}

}  // namespace
}  // namespace easel::diffusion
