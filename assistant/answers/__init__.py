"""Answers stage: a question and its hits in, a cited answer out.

What is asked, which sentence answers it, generated answers and their verification.
"""
