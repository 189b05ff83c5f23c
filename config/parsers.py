"""The API's JSON parser: DRF's, answering 400 rather than 500 to a body nested deeper than Python can decode."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:  # json raises it for `[[[[...` a few thousand levels deep
            raise ParseError("JSON parse error - nested too deeply.") from None
