#include "typeset/text_corpus.hpp"

#include <fstream>

#include <gtest/gtest.h>

namespace easel::test {

const std::vector<std::string>& typography_corpus() {
  static const std::vector<std::string> strings = [] {
    std::vector<std::string> read;
    std::ifstream file(EASEL_TYPOGRAPHY_CORPUS);
    if (!file) ADD_FAILURE() << "cannot read the corpus " << EASEL_TYPOGRAPHY_CORPUS;
    for (std::string line; std::getline(file, line);)
      if (!line.empty() && line.front() != '#') read.push_back(line);
    return read;
  }();
  return strings;
}

}  // namespace easel::test
