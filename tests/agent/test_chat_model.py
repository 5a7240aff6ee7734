"""The embedded model as a langchain `BaseChatModel`: langchain-tests' standard unit suite, and
its integration suite against the real model (slow)."""

import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests

from agent.chat_model import LongdocChatModel


class Params:
    @property
    def chat_model_class(self):
        return LongdocChatModel

    @property
    def has_tool_calling(self):
        return False

    @property
    def has_structured_output(self):
        return False


class TestLongdocChatModelUnit(Params, ChatModelUnitTests):
    pass


@pytest.mark.slow
class TestLongdocChatModelIntegration(Params, ChatModelIntegrationTests):
    @property
    def chat_model_params(self):
        return {"max_tokens": 16}  # short replies: the suite invokes the model some thirty times


@pytest.mark.slow
def test_stop_sequences_cut_the_reply_and_generation():
    model = LongdocChatModel(max_tokens=48)
    prompt = "Write a short story about a cat."
    full = model.invoke(prompt)
    stop = full.text[20:23]  # greedy decoding: the same reply again, cut where this first appears
    cut = model.invoke(prompt, stop=[stop])
    assert cut.text == full.text[: full.text.index(stop)]
    assert cut.usage_metadata["output_tokens"] < full.usage_metadata["output_tokens"]
