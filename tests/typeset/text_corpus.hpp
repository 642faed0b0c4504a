#pragma once
// The strings the OCR read-back is measured on: names, prices, percentages, dates, ©, accented words,
// ALL CAPS and mixed case, 1 to 12 words; read from tests/data/typography/corpus.txt.
#include <string>
#include <vector>

namespace easel::test {

const std::vector<std::string>& typography_corpus();

}  // namespace easel::test
