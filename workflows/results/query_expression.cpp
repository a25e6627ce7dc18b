#include "workflows/results/query_expression.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "core/error.h"

namespace molsieve::workflows {

struct QueryExpression::Node {
  enum Kind { And, Or, Not, Compare, Truthy } kind = Truthy;
  enum Op { Less, LessEqual, Greater, GreaterEqual, Equal, NotEqual } op = Equal;
  std::unique_ptr<Node> left, right;
  std::string column;
  bool text_value = false;
  double number = 0;
  std::string text;
};

namespace {

using Node = QueryExpression::Node;

struct Token {
  enum Kind { Name, Number, Text, Op, Open, Close, End } kind = End;
  std::string text;
  double number = 0;
  std::size_t position = 0;  // 1-based character position
};

// The word starting at `at` (up to a space, parenthesis, operator or quote), back-quoted: how
// a column name with other characters than letters, digits, _ and - is written.
std::string quoted_word(const std::string& s, std::size_t at) {
  std::size_t end = at;
  while (end < s.size() && !std::isspace(static_cast<unsigned char>(s[end])) &&
         std::string("()<>=!'\"`").find(s[end]) == std::string::npos)
    ++end;
  return "`" + s.substr(at, end - at) + "`";
}

std::vector<Token> tokenize(const std::string& s) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  auto fail = [&](std::size_t at, const std::string& what) -> void {
    throw Error("--where: at character " + std::to_string(at + 1) + ": " + what);
  };
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    Token t;
    t.position = i + 1;
    if (c == '(' || c == ')') {
      t.kind = c == '(' ? Token::Open : Token::Close;
      t.text = std::string(1, c);
      ++i;
    } else if (c == '<' || c == '>' || c == '=' || c == '!') {
      t.kind = Token::Op;
      t.text = std::string(1, c);
      if (i + 1 < s.size() && s[i + 1] == '=') t.text += '=';
      if (t.text == "!") fail(i, "'!' must be '!=' (use 'not' for negation)");
      i += t.text.size();
    } else if (c == '\'' || c == '"') {
      const std::size_t end = s.find(c, i + 1);
      if (end == std::string::npos) fail(i, "unterminated string");
      t.kind = Token::Text;
      t.text = s.substr(i + 1, end - i - 1);
      i = end + 1;
    } else if (c == '`') {
      const std::size_t end = s.find('`', i + 1);
      if (end == std::string::npos) fail(i, "unterminated `column name`");
      t.kind = Token::Name;
      t.text = s.substr(i + 1, end - i - 1);
      i = end + 1;
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+') {
      char* end = nullptr;
      t.number = std::strtod(s.c_str() + i, &end);
      if (end == s.c_str() + i && i + 1 < s.size() && std::isalpha(static_cast<unsigned char>(s[i + 1])))
        fail(i, std::string("a column name starting with '") + c + "' goes in back-quotes: " + quoted_word(s, i));
      if (end == s.c_str() + i) fail(i, "expected a number");
      t.kind = Token::Number;
      t.text = s.substr(i, end - (s.c_str() + i));
      i = end - s.c_str();
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t end = i;
      while (end < s.size() && (std::isalnum(static_cast<unsigned char>(s[end])) || s[end] == '_' || s[end] == '-'))
        ++end;
      t.kind = Token::Name;
      t.text = s.substr(i, end - i);
      i = end;
    } else if (!tokens.empty() && tokens.back().kind == Token::Name && tokens.back().position + tokens.back().text.size() == i + 1) {
      const std::size_t start = tokens.back().position - 1;
      fail(i, std::string("unexpected '") + c + "' in a column name: a name with other characters than letters, " +
                  "digits, _ and - goes in back-quotes: " + quoted_word(s, start));
    } else {
      fail(i, std::string("unexpected '") + c + "'");
    }
    tokens.push_back(t);
  }
  Token end;
  end.position = s.size() + 1;
  tokens.push_back(end);
  return tokens;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::vector<std::string>& columns)
      : tokens_(std::move(tokens)), columns_(columns) {}

  std::unique_ptr<Node> parse() {
    auto node = parse_or();
    if (peek().kind != Token::End) fail("expected 'and', 'or' or the end, found '" + peek().text + "'");
    return node;
  }

 private:
  const Token& peek() const { return tokens_[next_]; }
  bool keyword(const char* word) const { return peek().kind == Token::Name && peek().text == word; }
  [[noreturn]] void fail(const std::string& what) const {
    throw Error("--where: at character " + std::to_string(peek().position) + ": " + what);
  }

  std::unique_ptr<Node> combine(Node::Kind kind, std::unique_ptr<Node> left, std::unique_ptr<Node> right) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->left = std::move(left);
    node->right = std::move(right);
    return node;
  }

  std::unique_ptr<Node> parse_or() {
    auto left = parse_and();
    while (keyword("or")) {
      ++next_;
      left = combine(Node::Or, std::move(left), parse_and());
    }
    return left;
  }

  std::unique_ptr<Node> parse_and() {
    auto left = parse_not();
    while (keyword("and")) {
      ++next_;
      left = combine(Node::And, std::move(left), parse_not());
    }
    return left;
  }

  std::unique_ptr<Node> parse_not() {
    if (keyword("not")) {
      ++next_;
      return combine(Node::Not, parse_not(), nullptr);
    }
    return parse_primary();
  }

  std::unique_ptr<Node> parse_primary() {
    if (peek().kind == Token::Open) {
      ++next_;
      auto inner = parse_or();
      if (peek().kind != Token::Close) fail("expected ')'");
      ++next_;
      return inner;
    }
    if (peek().kind != Token::Name || keyword("and") || keyword("or"))
      fail(peek().kind == Token::End ? "expected a column name, found the end" : "expected a column name, found '" + peek().text + "'");
    auto node = std::make_unique<Node>();
    node->column = peek().text;
    if (std::find(columns_.begin(), columns_.end(), node->column) == columns_.end()) columns_.push_back(node->column);
    ++next_;
    if (peek().kind != Token::Op) {
      node->kind = Node::Truthy;
      return node;
    }
    static const std::pair<const char*, Node::Op> ops[] = {
        {"<", Node::Less}, {"<=", Node::LessEqual}, {">", Node::Greater}, {">=", Node::GreaterEqual},
        {"=", Node::Equal}, {"==", Node::Equal}, {"!=", Node::NotEqual}};
    node->kind = Node::Compare;
    for (const auto& [text, op] : ops)
      if (peek().text == text) node->op = op;
    ++next_;
    if (peek().kind == Token::Number) {
      node->number = peek().number;
    } else if (peek().kind == Token::Text) {
      node->text_value = true;
      node->text = peek().text;
      if (node->op != Node::Equal && node->op != Node::NotEqual) fail("strings compare with == or != only");
    } else {
      fail("expected a number or a 'string' after the comparison");
    }
    ++next_;
    return node;
  }

  std::vector<Token> tokens_;
  std::size_t next_ = 0;
  std::vector<std::string>& columns_;
};

bool compare(Node::Op op, double a, double b) {
  switch (op) {
    case Node::Less: return a < b;
    case Node::LessEqual: return a <= b;
    case Node::Greater: return a > b;
    case Node::GreaterEqual: return a >= b;
    case Node::Equal: return a == b;
    case Node::NotEqual: return a != b;
  }
  return false;
}

void evaluate_node(const Node& node, const ResultTable& table, std::vector<char>& out) {
  const std::size_t rows = table.rows();
  out.assign(rows, 0);
  switch (node.kind) {
    case Node::And:
    case Node::Or: {
      std::vector<char> right;
      evaluate_node(*node.left, table, out);
      evaluate_node(*node.right, table, right);
      for (std::size_t i = 0; i < rows; ++i) out[i] = node.kind == Node::And ? (out[i] && right[i]) : (out[i] || right[i]);
      return;
    }
    case Node::Not:
      evaluate_node(*node.left, table, out);
      for (auto& v : out) v = !v;
      return;
    case Node::Truthy:
    case Node::Compare: break;
  }
  const Column& column = table.at(node.column);
  const bool flag = column.kind == ColumnKind::Flag;
  if (column.kind == ColumnKind::Text) {
    if (node.kind == Node::Compare && !node.text_value)
      throw Error("--where: column '" + node.column + "' holds text: compare it with a 'string'");
    for (std::size_t i = 0; i < rows; ++i)
      out[i] = node.kind == Node::Truthy ? !column.texts[i].empty()
                                         : ((column.texts[i] == node.text) == (node.op == Node::Equal));
    return;
  }
  if (node.kind == Node::Compare && node.text_value)
    throw Error("--where: column '" + node.column + "' holds numbers: compare it with a number");
  for (std::size_t i = 0; i < rows; ++i) {
    const double v = column.number(i);
    if (std::isnan(v) || (flag && v < 0)) continue;  // missing: false
    out[i] = node.kind == Node::Truthy ? v != 0 : compare(node.op, v, node.number);
  }
}

}  // namespace

QueryExpression::QueryExpression(const std::string& text) {
  if (text.find_first_not_of(" \t") == std::string::npos) throw Error("--where: empty expression");
  root_ = Parser(tokenize(text), columns_).parse();
}

QueryExpression::~QueryExpression() = default;
QueryExpression::QueryExpression(QueryExpression&&) noexcept = default;
QueryExpression& QueryExpression::operator=(QueryExpression&&) noexcept = default;

std::vector<char> QueryExpression::evaluate(const ResultTable& table) const {
  std::vector<char> out;
  evaluate_node(*root_, table, out);
  return out;
}

}  // namespace molsieve::workflows
